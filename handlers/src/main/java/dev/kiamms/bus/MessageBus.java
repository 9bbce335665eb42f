package dev.kiamms.bus;

import dev.kiamms.pipeline.ActionHandler;
import dev.kiamms.pipeline.ActionPipeline;
import dev.kiamms.pipeline.EventPipeline;
import dev.kiamms.protocol.EnvelopeCodec;
import dev.kiamms.protocol.Subjects;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Binds the pipelines to NATS: one queue-group subscription per enabled action and one per event
 * subject pattern, all in the same queue group so that several kiam-ms instances on one broker
 * share the work and never handle a message twice. This is the only class that touches NATS
 * messages; handlers see decoded payloads.
 */
public final class MessageBus {

    private static final Logger LOG = Logger.getLogger("kiamms.bus");

    private final Connection connection;
    private final String queueGroup;
    private final ActionPipeline actions;
    private final EventPipeline events;
    private final EnvelopeCodec codec;
    private final List<String> subscribed = new ArrayList<>();

    public MessageBus(Connection connection, String queueGroup, ActionPipeline actions, EventPipeline events,
                      EnvelopeCodec codec) {
        this.connection = connection;
        this.queueGroup = queueGroup;
        this.actions = actions;
        this.events = events;
        this.codec = codec;
    }

    /**
     * Subscribes each action on its own dispatcher, so that a slow action never holds up another,
     * and each event pattern likewise.
     *
     * @return the subjects subscribed, in order
     */
    public synchronized List<String> subscribe(List<ActionHandler<?>> actionHandlers, List<String> eventPatterns) {
        for (ActionHandler<?> handler : actionHandlers) {
            String subject = Subjects.action(handler.key());
            Dispatcher dispatcher = connection.createDispatcher(msg -> onAction(handler, msg));
            dispatcher.subscribe(subject, queueGroup);
            subscribed.add(subject);
        }
        for (String pattern : eventPatterns) {
            Dispatcher dispatcher = connection.createDispatcher(this::onEvent);
            dispatcher.subscribe(pattern, queueGroup);
            subscribed.add(pattern);
        }
        return List.copyOf(subscribed);
    }

    public synchronized List<String> subscribed() {
        return List.copyOf(subscribed);
    }

    /**
     * Stops taking new messages, lets the ones already delivered finish (each action still gets
     * its reply), then closes the connection.
     */
    public CompletableFuture<Boolean> drain(Duration timeout) {
        try {
            return connection.drain(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.completedFuture(false);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "drain failed: " + e.getMessage(), e);
            return CompletableFuture.completedFuture(false);
        }
    }

    private void onAction(ActionHandler<?> handler, Message msg) {
        String replyTo = msg.getReplyTo();
        if (replyTo == null || replyTo.isEmpty()) {
            LOG.warning(() -> "action " + handler.key() + " reqid=" + codec.peekReqid(msg.getData())
                    + " has no reply subject (code 100); dropped, nobody is waiting for an answer");
            return;
        }
        try {
            connection.publish(replyTo, actions.answer(handler, msg.getSubject(), msg.getData()));
        } catch (RuntimeException e) {
            // The connection is closing or the reply is over the broker's size limit: the
            // requester times out, so say which request it was.
            LOG.log(Level.SEVERE, "action " + handler.key() + " reqid=" + codec.peekReqid(msg.getData())
                    + ": reply could not be sent: " + e.getMessage(), e);
        }
    }

    private void onEvent(Message msg) {
        try {
            events.deliver(msg.getSubject(), msg.getData());
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, msg.getSubject() + " reqid=" + codec.peekReqid(msg.getData())
                    + " failed: " + e.getMessage(), e);
        }
    }
}
