package dev.kiamms.iplocation;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Parses an IP address literal and refuses the ones that have no place on a map. Never resolves a
 * host name: {@code InetAddress.getByName} is only called on text that is already a literal.
 */
public final class PublicAddress {

    // Must not start with '.', or InetAddress would take the text for a host name and resolve it.
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]{1,44}");

    private PublicAddress() {
    }

    /**
     * @return the address, if it is a public unicast one
     * @throws IllegalArgumentException with a message naming the problem
     */
    public static InetAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("ipaddr missing");
        }
        String literal = text.trim();
        InetAddress address;
        byte[] v4 = ipv4(literal);
        if (v4 != null) {
            try {
                address = InetAddress.getByAddress(v4);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("4 bytes are always an IPv4 address", e);
            }
        } else if (literal.indexOf(':') >= 0 && IPV6.matcher(literal).matches()) {
            try {
                address = InetAddress.getByName(literal);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + printable(literal) + "' is not an IP address");
            }
        } else {
            throw new IllegalArgumentException("'" + printable(literal) + "' is not an IP address");
        }
        String kind = nonPublicKind(address);
        if (kind != null) {
            throw new IllegalArgumentException(literal + " is a " + kind + " address and has no location");
        }
        return address;
    }

    /**
     * The four bytes of a dotted-quad IPv4 literal in its strict form: four decimal numbers 0-255,
     * ASCII digits only, no leading zeros (so that "010" is not read as octal somewhere else), and
     * nothing around them. Read by hand because it runs per request: the regular expression and
     * {@code InetAddress.getByName} it replaced were about a tenth of the iplocation request's CPU.
     *
     * @return null when the text is not such a literal
     */
    static byte[] ipv4(String s) {
        int n = s.length();
        if (n < 7 || n > 15) {
            return null;
        }
        byte[] out = new byte[4];
        int part = 0;
        int i = 0;
        while (true) {
            int start = i;
            int value = 0;
            while (i < n && i - start < 3) {
                char c = s.charAt(i);
                if (c < '0' || c > '9') {
                    break;
                }
                value = value * 10 + (c - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
                return null;
            }
            out[part++] = (byte) value;
            if (part == 4) {
                return i == n ? out : null;
            }
            if (i >= n || s.charAt(i) != '.') {
                return null;
            }
            i++;
        }
    }

    /** @return what kind of non-public address this is, or {@code null} for a public unicast address */
    static String nonPublicKind(InetAddress a) {
        if (a.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        if (a.isLinkLocalAddress()) {
            return "link-local";
        }
        if (a.isMulticastAddress()) {
            return "multicast";
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 10 || (first == 172 && (second & 0xf0) == 16) || (first == 192 && second == 168)) {
                return "private";
            }
            if (first == 100 && (second & 0xc0) == 64) {
                return "private (carrier-grade NAT)";
            }
            if (first == 0) {
                return "reserved ('this network')";
            }
            if (first >= 240) {
                return first == 255 && (b[1] & b[2] & b[3] & 0xff) == 0xff ? "broadcast" : "reserved";
            }
        } else if (a instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return "private (unique local)";
            }
            if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
                return "site-local";
            }
        }
        return null;
    }

    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
