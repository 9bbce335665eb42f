package dev.kiamms.app.registry;

import dev.kiamms.app.config.Settings;
import dev.kiamms.pipeline.ActionHandler;
import dev.kiamms.protocol.Subjects;

import java.util.List;
import java.util.function.Function;

/**
 * One request/reply action as data: its key (subject {@code kiam.console.action.<key>}), its
 * section {@code service.actions.<key>}, how its handler is built, what its section may hold,
 * and which {@code kiam-ms send-test} subcommand sends it.
 *
 * @param needsMail whether the handler sends mail, so templates and MTAs must load while it is switched on
 * @param check     problems in the action's own section (its options), each one line; empty when fine
 * @param sendTest  the picocli command that sends this action as KrossIAM would, or null
 */
public record ActionRegistration(
        String key,
        boolean needsMail,
        Function<HandlerContext, ActionHandler<?>> handler,
        Function<Settings.ActionSettings, List<String>> check,
        Class<?> sendTest) {

    public String subject() {
        return Subjects.action(key);
    }

    /** A check for an action that reads nothing but {@code subscribe}. */
    public static List<String> noOptions(Settings.ActionSettings section) {
        return section.options().keySet().stream()
                .map(name -> "unknown key '" + name + "' (known keys here: subscribe); fix the spelling or remove it")
                .toList();
    }
}
