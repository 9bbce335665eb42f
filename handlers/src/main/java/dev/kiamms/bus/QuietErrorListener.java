package dev.kiamms.bus;

import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;

import java.util.logging.Logger;

/**
 * Reports connection trouble as one log line each. jnats' default listener logs every
 * disconnect at SEVERE with a stack trace, which buries the message that matters.
 */
public final class QuietErrorListener implements ErrorListener {

    private final Logger log;

    public QuietErrorListener(String loggerName) {
        this.log = Logger.getLogger(loggerName);
    }

    @Override
    public void errorOccurred(Connection conn, String error) {
        log.warning(() -> "broker reported: " + error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
        log.warning(() -> "connection problem: " + exp.getMessage());
    }

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
        log.warning("slow consumer: messages are arriving faster than they are handled and some were dropped by the client");
    }
}
