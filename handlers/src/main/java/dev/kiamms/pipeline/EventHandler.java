package dev.kiamms.pipeline;

/**
 * Handles one kind of fire-and-forget message: an audit, a notice or a log record. Nothing is
 * replied; a failure is logged with the message's reqid by the pipeline.
 *
 * @param <P> the payload type; {@code JsonNode} accepts any JSON value unchanged
 */
public interface EventHandler<P> {

    /** The exact subject handled, e.g. {@code kiam.console.audit.accountaddemail} or {@code kiam.console.log}. */
    String subject();

    Class<P> payloadType();

    /**
     * @throws ActionException or IllegalArgumentException for a failure the message explains
     *                         (logged as one line); anything else is logged with its stack trace
     */
    void handle(P payload, MessageContext context) throws Exception;

    /** True when {@link #handle} waits on the network or disk; see {@link ActionHandler#blocking()}. */
    default boolean blocking() {
        return false;
    }
}
