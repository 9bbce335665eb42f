package dev.kiamms.app.service;

import dev.kiamms.app.registry.ActionRegistration;
import dev.kiamms.app.registry.HandlerContext;
import dev.kiamms.pipeline.ActionHandler;
import dev.kiamms.pipeline.MessageContext;

import java.util.Map;

/**
 * A test-only action, {@code kiam.console.action.echo}: answers with the text it was sent, after
 * the {@code prefix} option of its section {@code service.actions.echo} (read per message, so a
 * reload reaches it). Registered exactly as a built-in: {@link #REGISTRATION}.
 */
final class EchoHandler implements ActionHandler<EchoHandler.Request> {

    /** What the requester sends. */
    record Request(String text) {
    }

    static final ActionRegistration REGISTRATION = new ActionRegistration("echo", false, EchoHandler::new,
            section -> ActionRegistration.unknownOptions(section, java.util.Set.of("prefix")), null);

    private final HandlerContext context;

    EchoHandler(HandlerContext context) {
        this.context = context;
    }

    @Override
    public String key() {
        return "echo";
    }

    @Override
    public Class<Request> payloadType() {
        return Request.class;
    }

    @Override
    public Object handle(Request payload, MessageContext message) {
        String prefix = context.resources().config().settings().service().action("echo").option("prefix", "");
        return Map.of("text", prefix + payload.text(), "reqid", message.reqid());
    }

    @Override
    public boolean hasSideEffects() {
        return false;
    }

}
