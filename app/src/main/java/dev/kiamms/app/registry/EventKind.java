package dev.kiamms.app.registry;

/** How an event subject reaches its handler. */
public enum EventKind {
    /** An audit: kept in the stream, read by the shared audit consumer, each reqid handled once (mail). */
    AUDIT,
    /** Kept in the stream and read by its own durable consumer, at least once (a log record written twice does no harm). */
    DURABLE,
    /** Kept in the stream and read by its own durable consumer, each reqid handled once (a routed notice). */
    DURABLE_ONCE,
    /** A plain queue subscription: handled as it arrives, lost while kiam-ms is down (notices). */
    PLAIN
}
