package dev.kiamms.iplocation;

/** Payload of the {@code iplocation} action: the address to place and the language of the names. */
public record IpLocationRequest(String ipaddr, String locale) {
}
