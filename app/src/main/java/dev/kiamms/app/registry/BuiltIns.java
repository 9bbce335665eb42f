package dev.kiamms.app.registry;

import dev.kiamms.app.cli.SendTestAuditAddEmail;
import dev.kiamms.app.cli.SendTestIpLocation;
import dev.kiamms.app.cli.SendTestVerifyEmail;
import dev.kiamms.app.config.Settings;
import dev.kiamms.bus.DurableEvents;
import dev.kiamms.iplocation.IpLocationHandler;
import dev.kiamms.mail.SendVerifyEmailHandler;
import dev.kiamms.pipeline.MicroClock;
import dev.kiamms.protocol.Subjects;
import dev.kiamms.route.Routes;
import dev.kiamms.sink.LogRecorder;
import dev.kiamms.sink.NoticeRecorder;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The actions and events kiam-ms answers out of the box, one registration each. */
public final class BuiltIns {

    private BuiltIns() {
    }

    public static Registry registry() {
        return new Registry(List.of(
                new ActionRegistration("iplocation", false,
                        c -> new IpLocationHandler(() -> c.resources().geoip()), BuiltIns::engineCheck, SendTestIpLocation.class),
                new ActionRegistration("sendverifyemail", true,
                        c -> new SendVerifyEmailHandler(() -> c.resources().composer(), () -> c.resources().delivery(),
                                SendVerifyEmailHandler.BUDGET, c.sendBudget()),
                        ActionRegistration::noOptions, SendTestVerifyEmail.class)),
                List.of(
                        // The mail kiam-ms always sent, now the default route; the settings' routes replace it or add to it.
                        RouteRegistrations.of(Routes.defaultAccountAddEmail(), SendTestAuditAddEmail.class),
                        new EventRegistration(NoticeRecorder.ALL, EventKind.PLAIN, null,
                                s -> s.service().events().subscribe(), false,
                                c -> new NoticeRecorder(NoticeRecorder.ALL, c.sink("notices"), MicroClock.system()), null),
                        new EventRegistration(Subjects.LOG, EventKind.DURABLE, DurableEvents.LOG_CONSUMER,
                                s -> s.service().logs().subscribe(), false,
                                c -> new LogRecorder(c.sink("krossiam-log")), null)));
    }

    /** iplocation's {@code engine} is the reference server's key; geoip is the only engine. */
    private static List<ActionRegistration.OptionProblem> engineCheck(Settings.ActionSettings section) {
        List<ActionRegistration.OptionProblem> problems = new ArrayList<>(ActionRegistration.unknownOptions(section, Set.of("engine")));
        String engine = section.option("engine", "geoip");
        if (!engine.equals("geoip")) {
            problems.add(new ActionRegistration.OptionProblem("engine",
                    "engine '" + engine + "' is not supported; the only engine is geoip"));
        }
        return problems;
    }
}
