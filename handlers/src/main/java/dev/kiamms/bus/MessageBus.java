package dev.kiamms.bus;

import dev.kiamms.pipeline.ActionHandler;
import dev.kiamms.pipeline.ActionPipeline;
import dev.kiamms.pipeline.EventHandler;
import dev.kiamms.pipeline.EventPipeline;
import dev.kiamms.pipeline.EventTarget;
import dev.kiamms.protocol.Subjects;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Binds the pipelines to NATS: one queue-group subscription per enabled action and one per event
 * subject pattern, all in the same queue group so that several kiam-ms instances on one broker
 * share the work and never handle a message twice. This is the only class that touches NATS
 * messages; handlers see decoded payloads.
 *
 * <p>Each subscription has its own dispatcher thread, so a slow action never holds up another.
 * A non-blocking action has several dispatchers in the queue group ({@link Workers#dispatchersPerAction}),
 * so that one busy action can use several cores: the broker spreads its requests over them.
 * Handlers that wait on I/O (mail) run on a bounded pool of worker threads instead, so that many
 * mails can be on their way at once; when the pool's queue is full an action is answered at once
 * with "overloaded" rather than left to time out.
 */
public final class MessageBus {

    private static final Logger LOG = Logger.getLogger("kiamms.bus");

    /**
     * How the bus runs handlers: {@code threads} and {@code queueLength} for those that wait on I/O;
     * {@code dispatchersPerAction} subscriptions (each with its own thread) for each action that
     * does not.
     */
    public record Workers(int threads, int queueLength, int dispatchersPerAction) {
        public static final Workers DEFAULT = new Workers(16, 1000, defaultDispatchers(Runtime.getRuntime().availableProcessors()));

        public Workers {
            if (threads < 1 || queueLength < 1 || dispatchersPerAction < 1) {
                throw new IllegalArgumentException("workers, queue length and dispatchers must be at least 1");
            }
        }

        /**
         * One per core up to four: more dispatchers than cores only add hand-offs. On two cores or
         * fewer one is enough, since the broker, the client and kiam-ms share them anyway.
         */
        static int defaultDispatchers(int cores) {
            return cores <= 2 ? 1 : Math.min(cores, 4);
        }

        /** These workers with {@code dispatchers} per non-blocking action; 0 keeps the default. */
        public Workers withDispatchers(int dispatchers) {
            return dispatchers == 0 ? this : new Workers(threads, queueLength, dispatchers);
        }
    }

    private final Connection connection;
    private final String queueGroup;
    private final ActionPipeline actions;
    private final EventPipeline events;
    private final ThreadPoolExecutor workers;
    private final int dispatchersPerAction;
    /** Per action key, in subscription order; events after them. */
    private final java.util.LinkedHashMap<String, List<Dispatcher>> actionDispatchers = new java.util.LinkedHashMap<>();
    private final java.util.LinkedHashMap<String, Dispatcher> eventDispatchers = new java.util.LinkedHashMap<>();

    public MessageBus(Connection connection, String queueGroup, ActionPipeline actions, EventPipeline events) {
        this(connection, queueGroup, actions, events, Workers.DEFAULT);
    }

    public MessageBus(Connection connection, String queueGroup, ActionPipeline actions, EventPipeline events,
                      Workers workers) {
        this.connection = connection;
        this.queueGroup = queueGroup;
        this.actions = actions;
        this.events = events;
        this.dispatchersPerAction = workers.dispatchersPerAction();
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(workers.threads(), workers.threads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(workers.queueLength()), r -> {
                    Thread t = new Thread(r, "kiam-ms-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.workers.allowCoreThreadTimeOut(true);
    }

    /** One event subscription: the subject or pattern, and the handlers its messages go to. */
    public record EventSubscription(String pattern, EventTarget target) {
    }

    /** @return the subjects subscribed, in order */
    public synchronized List<String> subscribe(List<ActionHandler<?>> actionHandlers, List<EventSubscription> eventSubscriptions) {
        actionHandlers.forEach(this::subscribeAction);
        subscribeEvents(eventSubscriptions);
        return subscribed();
    }

    /** Subscribes more events in the queue group, each bound to its handlers. @return the subjects subscribed now */
    public synchronized List<String> subscribeEvents(List<EventSubscription> eventSubscriptions) {
        for (EventSubscription e : eventSubscriptions) {
            Dispatcher dispatcher = connection.createDispatcher(msg -> onEvent(e.target(), msg));
            dispatcher.subscribe(e.pattern(), queueGroup);
            eventDispatchers.put(e.pattern(), dispatcher);
        }
        return eventSubscriptions.stream().map(EventSubscription::pattern).toList();
    }

    /**
     * Answers exactly these actions from now on: new ones are subscribed, dropped ones drained
     * (requests already delivered still get their replies) and unsubscribed.
     *
     * @return the subjects subscribed now
     */
    public synchronized List<String> updateActions(List<ActionHandler<?>> actionHandlers) {
        java.util.Set<String> wanted = new java.util.HashSet<>();
        for (ActionHandler<?> handler : actionHandlers) {
            wanted.add(handler.key());
            if (!actionDispatchers.containsKey(handler.key())) {
                subscribeAction(handler);
                LOG.info(() -> "now answering " + Subjects.action(handler.key()));
            }
        }
        try {
            // Once this returns, the broker knows the new subscriptions: requests sent next reach them.
            connection.flush(Duration.ofSeconds(2));
        } catch (Exception e) {
            LOG.log(Level.FINE, "flush after subscribing", e);
        }
        boolean dropped = false;
        for (String key : List.copyOf(actionDispatchers.keySet())) {
            if (!wanted.contains(key)) {
                for (Dispatcher d : actionDispatchers.remove(key)) {
                    try {
                        d.drain(Duration.ofSeconds(10));
                        dropped = true;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                LOG.info(() -> "no longer answering " + Subjects.action(key) + "; another application may take it over");
            }
        }
        if (dropped) {
            try {
                // The drain sent UNSUB; once the broker answers this flush it has processed it, so
                // a request sent after the reload returns gets "no responders" at once, never the
                // draining subscriber. The drain itself (replies in flight) goes on in the background.
                connection.flush(Duration.ofSeconds(2));
            } catch (Exception e) {
                LOG.log(Level.FINE, "flush after unsubscribing", e);
            }
        }
        return subscribed();
    }

    public synchronized List<String> subscribed() {
        List<String> out = new ArrayList<>();
        actionDispatchers.keySet().forEach(k -> out.add(Subjects.action(k)));
        out.addAll(eventDispatchers.keySet());
        return List.copyOf(out);
    }

    private void subscribeAction(ActionHandler<?> handler) {
        // Blocking actions hand their work to the worker pool, so one dispatcher feeds it well enough.
        int count = handler.blocking() ? 1 : dispatchersPerAction;
        List<Dispatcher> dispatchers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Dispatcher dispatcher = connection.createDispatcher(msg -> onAction(handler, msg));
            dispatcher.subscribe(Subjects.action(handler.key()), queueGroup);
            dispatchers.add(dispatcher);
        }
        actionDispatchers.put(handler.key(), List.copyOf(dispatchers));
    }

    /**
     * Stops taking new messages, lets every message already delivered finish (each action still
     * gets its reply, also from the worker threads) and flushes the replies. The connection
     * stays open; the caller closes it.
     *
     * @return true when everything finished within the timeout
     */
    public boolean drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean complete = true;
        List<CompletableFuture<Boolean>> drains = new ArrayList<>();
        // Draining a subscription is a round trip to the broker; without one, only the workers can finish.
        boolean connected = connection.getStatus() == Connection.Status.CONNECTED;
        synchronized (this) {
            List<Dispatcher> all = new ArrayList<>();
            actionDispatchers.values().forEach(all::addAll);
            all.addAll(eventDispatchers.values());
            for (Dispatcher d : connected ? all : List.<Dispatcher>of()) {
                try {
                    drains.add(d.drain(timeout));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                } catch (RuntimeException e) {
                    LOG.log(Level.FINE, "dispatcher drain", e);
                    complete = false;
                }
            }
        }
        try {
            for (CompletableFuture<Boolean> f : drains) {
                complete &= Boolean.TRUE.equals(f.get(remaining(deadline), TimeUnit.NANOSECONDS));
            }
            workers.shutdown();
            complete &= workers.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
            if (connected) {
                connection.flush(Duration.ofNanos(Math.max(remaining(deadline), TimeUnit.MILLISECONDS.toNanos(200))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.warning(() -> "drain incomplete: " + e);
            return false;
        }
        return complete;
    }

    /** Messages accepted by the workers and not yet finished: for status. */
    public int inFlight() {
        return workers.getActiveCount() + workers.getQueue().size();
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private void onAction(ActionHandler<?> handler, Message msg) {
        ActionPipeline.Request<?> request = actions.read(handler, msg.getSubject(), msg.getData());
        String replyTo = msg.getReplyTo();
        if (replyTo == null || replyTo.isEmpty()) {
            LOG.warning(() -> "action " + handler.key() + " reqid=" + request.reqid()
                    + " has no reply subject (code 100); dropped, nobody is waiting for an answer");
            return;
        }
        if (!handler.blocking()) {
            answer(request, replyTo);
            return;
        }
        try {
            workers.execute(() -> answer(request, replyTo));
        } catch (RejectedExecutionException e) {
            LOG.warning(() -> "action " + handler.key() + " reqid=" + request.reqid() + " refused: all workers busy");
            publish(request, replyTo, actions.refuse(request.reqid(),
                    "kiam-ms is overloaded (" + workers.getQueue().size() + " messages waiting); try again shortly"));
        }
    }

    private void answer(ActionPipeline.Request<?> request, String replyTo) {
        publish(request, replyTo, actions.answer(request));
    }

    private void publish(ActionPipeline.Request<?> request, String replyTo, byte[] reply) {
        try {
            connection.publish(replyTo, reply);
        } catch (RuntimeException e) {
            // The connection is closing or the reply is over the broker's size limit: the
            // requester times out, so say which request it was.
            LOG.log(Level.SEVERE, "action " + request.handler().key() + " reqid=" + request.reqid()
                    + ": reply could not be sent: " + e.getMessage(), e);
        }
    }

    private void onEvent(EventTarget target, Message msg) {
        EventHandler<?> handler = target.handlerFor(msg.getSubject());
        EventPipeline.Received<?> received = events.receive(handler, msg.getSubject(), msg.getData());
        if (handler == null || !handler.blocking()) {
            deliver(received);
            return;
        }
        try {
            workers.execute(() -> deliver(received));
        } catch (RejectedExecutionException e) {
            LOG.severe(() -> msg.getSubject() + " reqid=" + received.reqid()
                    + " dropped: all workers busy and " + workers.getQueue().size() + " messages waiting");
        }
    }

    private void deliver(EventPipeline.Received<?> received) {
        try {
            events.deliver(received, false);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, received.subject() + " reqid=" + received.reqid()
                    + " failed: " + e.getMessage(), e);
        }
    }
}
