package dev.kiamms.iplocation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PublicAddressTest {

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, loopback",
            "::1, loopback",
            "10.1.2.3, private",
            "172.16.0.1, private",
            "172.31.255.254, private",
            "192.168.1.1, private",
            "fc00::1, private",
            "fd12:3456::1, private",
            "169.254.1.1, link-local",
            "fe80::1, link-local",
            "224.0.0.1, multicast",
            "ff02::1, multicast",
            "0.0.0.0, unspecified",
            "::, unspecified",
            "::ffff:192.168.1.1, private",   // IPv4-mapped: judged as the IPv4 address it carries
            "100.64.0.1, carrier-grade NAT",
            "255.255.255.255, broadcast",
    })
    void addressesWithoutAPlaceOnAMapAreRefusedWithTheirKind(String text, String kind) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PublicAddress.parse(text));
        assertTrue(e.getMessage().contains(kind), e.getMessage());
        assertTrue(e.getMessage().contains(text), "message should name the address: " + e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"999.1.1.1", "1.2.3", "1.2.3.4.5", "127.1", "0x7f.0.0.1", "01.2.3.4", "1:2:3",
            "example.com", "localhost", "fe80::1%eth0", "abc", "12345"})
    void textThatIsNotALiteralIsRefused(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PublicAddress.parse(text));
        assertTrue(e.getMessage().contains("not an IP address"), e.getMessage());
    }

    @Test
    void aHostNameIsNeverLookedUp() {
        // A resolved "example.com" would be a public address and be accepted; refused as
        // "not an IP address" shows it never reached the resolver. PublicAddressNoLookupTest
        // checks the same with a resolver that would answer.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PublicAddress.parse("example.com"));
        assertEquals("'example.com' is not an IP address", e.getMessage());
    }

    @Test
    void missingAddressIsNamed() {
        assertEquals("ipaddr missing", assertThrows(IllegalArgumentException.class, () -> PublicAddress.parse(null)).getMessage());
        assertEquals("ipaddr missing", assertThrows(IllegalArgumentException.class, () -> PublicAddress.parse(" ")).getMessage());
    }

    @Test
    void controlCharactersAreNotEchoedIntoTheMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PublicAddress.parse("a\u0007b\nc"));
        assertTrue(e.getMessage().chars().noneMatch(Character::isISOControl), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"81.2.69.142", "8.8.8.8", "2001:4860:4860::8888", "2a02:ff0::1", " 89.160.20.112 "})
    void publicAddressesAreAccepted(String text) throws Exception {
        InetAddress a = PublicAddress.parse(text);
        assertEquals(InetAddress.getByName(text.strip()), a);
    }

    /** The pattern the hand-written IPv4 reader replaced: it must accept exactly the same texts. */
    private static final Pattern OLD_IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    @Test
    void theIpv4ReaderAcceptsWhatTheOldPatternAcceptedAndReadsTheSameBytes() throws Exception {
        List<String> texts = new ArrayList<>(List.of("", "1.2.3.4", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.", "1.2.3.4 ",
                "1.2.3.-4", "1.2.3.+4", "1.2.3.4a", "a1.2.3.4", "1,2,3,4", "1.2.3.4/24", "00.1.1.1", "0.0.0.0",
                "255.255.255.255", "256.1.1.1", "1.2.3.1000", "1111.2.3.4", "1.2.3.\u0664", "\uff11.2.3.4", "1.2.3"));
        // Every octet text from "" to "999" and with leading zeros, in each of the four places.
        List<String> octets = new ArrayList<>();
        for (int v = 0; v <= 999; v++) {
            octets.add(Integer.toString(v));
        }
        octets.addAll(List.of("", "00", "01", "001", "010", "099", "0255", "-1", "x"));
        for (String o : octets) {
            texts.add(o + ".2.3.4");
            texts.add("1." + o + ".3.4");
            texts.add("1.2." + o + ".4");
            texts.add("81.2.69." + o);
        }
        for (String text : texts) {
            byte[] read = PublicAddress.ipv4(text);
            if (OLD_IPV4.matcher(text).matches()) {
                assertArrayEquals(InetAddress.getByName(text).getAddress(), read, text);
            } else {
                assertNull(read, () -> text + " read as " + Arrays.toString(read));
            }
        }
    }
}
