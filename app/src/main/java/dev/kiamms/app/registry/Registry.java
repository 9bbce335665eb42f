package dev.kiamms.app.registry;

import dev.kiamms.app.config.Settings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every action and event kind kiam-ms knows, in the order they are subscribed. The appliance,
 * {@code config check} and {@code send-test} read it instead of naming handlers, so adding an
 * action is one handler class and one registration.
 */
public record Registry(List<ActionRegistration> actions, List<EventRegistration> events) {

    /** A problem with a key of the configuration, found after loading: the caller adds the file and line. */
    public record Problem(String key, String message) {
    }

    public Registry {
        actions = List.copyOf(actions);
        events = List.copyOf(events);
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (ActionRegistration a : actions) {
            if (!keys.add(a.key())) {
                throw new IllegalArgumentException("action " + a.key() + " is registered twice");
            }
        }
    }

    /** A registry with one more action: how tests add theirs. */
    public Registry with(ActionRegistration action) {
        List<ActionRegistration> more = new ArrayList<>(actions);
        more.add(action);
        return new Registry(more, events);
    }

    /** A registry with one more event kind. */
    public Registry with(EventRegistration event) {
        List<EventRegistration> more = new ArrayList<>(events);
        more.add(event);
        return new Registry(actions, more);
    }

    /** The {@code kiam-ms send-test} subcommands, actions first, in registration order. */
    public List<Class<?>> sendTests() {
        List<Class<?>> out = new ArrayList<>();
        actions.stream().map(ActionRegistration::sendTest).filter(java.util.Objects::nonNull).forEach(out::add);
        events.stream().map(EventRegistration::sendTest).filter(java.util.Objects::nonNull).forEach(out::add);
        return out;
    }

    public Optional<ActionRegistration> action(String key) {
        return actions.stream().filter(a -> a.key().equals(key)).findFirst();
    }

    /** The actions the settings switch on. */
    public List<ActionRegistration> enabledActions(Settings s) {
        return actions.stream().filter(a -> s.service().action(a.key()).subscribe()).toList();
    }

    public List<ActionRegistration> disabledActions(Settings s) {
        return actions.stream().filter(a -> !s.service().action(a.key()).subscribe()).toList();
    }

    /**
     * The event kinds for these settings: one per route (see {@link RouteRegistrations}), then the
     * registered ones whose subject no route takes (a route for accountaddemail replaces the built-in).
     */
    public List<EventRegistration> events(Settings s) {
        List<EventRegistration> out = new ArrayList<>(RouteRegistrations.from(s));
        java.util.Set<String> routed = new java.util.HashSet<>(out.stream().map(EventRegistration::subject).toList());
        events.stream().filter(e -> !routed.contains(e.subject())).forEach(out::add);
        return out;
    }

    public List<EventRegistration> enabledEvents(Settings s) {
        return events(s).stream().filter(e -> e.enabled().test(s)).toList();
    }

    /** Whether a switched-on handler sends mail, so templates and MTAs are needed. */
    public boolean needsMail(Settings s) {
        return enabledActions(s).stream().anyMatch(ActionRegistration::needsMail)
                || enabledEvents(s).stream().anyMatch(EventRegistration::needsMail);
    }

    /** Unknown action keys and what each action's own check finds in its section. */
    public List<Problem> problems(Settings s) {
        List<Problem> out = new ArrayList<>();
        for (Map.Entry<String, String> written : s.service().actionSpellings().entrySet()) {
            String key = "service.actions." + written.getValue();
            Optional<ActionRegistration> action = action(written.getKey());
            if (action.isEmpty()) {
                out.add(new Problem(key, "unknown action '" + written.getValue() + "' (known actions: "
                        + String.join(", ", actions.stream().map(ActionRegistration::key).toList()) + "); fix the spelling or remove it"));
                continue;
            }
            for (ActionRegistration.OptionProblem problem : action.get().check().apply(s.service().action(written.getKey()))) {
                out.add(new Problem(key + "." + problem.option(), problem.message()));
            }
        }
        return out;
    }
}
