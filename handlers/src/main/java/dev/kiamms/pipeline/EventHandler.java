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

    void handle(P payload, MessageContext context) throws Exception;
}
