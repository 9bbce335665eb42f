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
 * @param check     problems in the action's own section, each naming the option at fault; empty when fine
 * @param sendTest  the picocli command that sends this action as KrossIAM would, or null
 */
public record ActionRegistration(
        String key,
        boolean needsMail,
        Function<HandlerContext, ActionHandler<?>> handler,
        Function<Settings.ActionSettings, List<OptionProblem>> check,
        Class<?> sendTest) {

    public String subject() {
        return Subjects.action(key);
    }

    /** A problem with one option of the action's section: reported at that option's line. */
    public record OptionProblem(String option, String message) {
    }

    /** A check for an action that reads nothing but {@code subscribe}. */
    public static List<OptionProblem> noOptions(Settings.ActionSettings section) {
        return unknownOptions(section, java.util.Set.of());
    }

    /** The options in the section that are not among {@code known}, each a problem naming the keys that are. */
    public static List<OptionProblem> unknownOptions(Settings.ActionSettings section, java.util.Set<String> known) {
        String names = String.join(", ", new java.util.TreeSet<>(java.util.stream.Stream.concat(known.stream(),
                java.util.stream.Stream.of("subscribe")).toList()));
        return section.options().keySet().stream().filter(k -> !known.contains(k))
                .map(k -> new OptionProblem(k, "unknown key '" + k + "' (known keys here: " + names + "); fix the spelling or remove it"))
                .toList();
    }
}
