package dev.kiamms.app.registry;

import dev.kiamms.app.cli.SendTestAuditAddEmail;
import dev.kiamms.app.cli.SendTestIpLocation;
import dev.kiamms.app.cli.SendTestVerifyEmail;
import dev.kiamms.app.config.Settings;
import dev.kiamms.protocol.Subjects;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the registry derives from its registrations and the settings. */
class RegistryTest {

    private final Registry builtIns = BuiltIns.registry();

    private static Settings withActions(Map<String, Settings.ActionSettings> actions, boolean audits) {
        return new Settings(null, null, null, null,
                new Settings.ServiceSettings(null, null, new Settings.AuditSettings(audits, null), null, actions, null),
                null, null, null, null, null);
    }

    @Test
    void theBuiltInsInOrderWithTheirSendTests() {
        assertEquals(List.of("iplocation", "sendverifyemail"), builtIns.actions().stream().map(ActionRegistration::key).toList());
        assertEquals(List.of(Subjects.audit("accountaddemail"), Subjects.NOTICE_PREFIX + ">", Subjects.LOG),
                builtIns.events().stream().map(EventRegistration::subject).toList());
        assertEquals(List.of(SendTestIpLocation.class, SendTestVerifyEmail.class, SendTestAuditAddEmail.class), builtIns.sendTests());
    }

    @Test
    void mailIsNeededOnlyWhileAMailingHandlerIsSwitchedOn() {
        Settings.ActionSettings off = new Settings.ActionSettings(false, Map.of(), null);
        assertTrue(builtIns.needsMail(Settings.defaults()));
        assertTrue(builtIns.needsMail(withActions(Map.of("send_verify_email", off), true)), "the audit still mails");
        assertTrue(builtIns.needsMail(withActions(Map.of(), false)), "sendverifyemail still mails");
        assertFalse(builtIns.needsMail(withActions(Map.of("send_verify_email", off), false)));
        assertEquals(List.of("iplocation"),
                builtIns.enabledActions(withActions(Map.of("sendverifyemail", off), true)).stream().map(ActionRegistration::key).toList());
    }

    @Test
    void anActionKeyRegisteredTwiceIsRefused() {
        ActionRegistration again = builtIns.actions().get(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builtIns.with(again));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }
}
