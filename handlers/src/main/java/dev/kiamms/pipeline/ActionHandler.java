package dev.kiamms.pipeline;

/**
 * Answers one kind of action request ({@code kiam.console.action.<key>}). Implementations know
 * nothing of the broker or the envelope: they get a decoded payload and return the reply's payload.
 * Adding an action is one class implementing this plus its registration.
 *
 * @param <P> the payload record the request's JSON is decoded into
 */
public interface ActionHandler<P> {

    /** The action's key, the last token of its subject, e.g. {@code iplocation}. */
    String key();

    Class<P> payloadType();

    /**
     * @return the reply payload, written as JSON, or {@code null}
     * @throws ActionException when the action fails for a reason the requester should be told
     */
    Object handle(P payload, MessageContext context) throws ActionException;

    /**
     * True when {@link #handle} waits on the network or disk (sending mail): it then runs on the
     * bus's worker threads instead of the subscription's own thread.
     */
    default boolean blocking() {
        return false;
    }

    /**
     * False for a read-only action (a lookup): running a repeated request again does no harm, so
     * its replies are not kept in the duplicate window, which would cost memory on the hot path.
     */
    default boolean hasSideEffects() {
        return true;
    }
}
