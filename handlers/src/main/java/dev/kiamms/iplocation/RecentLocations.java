package dev.kiamms.iplocation;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The latest answers of one database, by address and locale: KrossIAM asks where a login came
 * from, and the same addresses come back (a user's home, an office's gateway). Direct-mapped and
 * lock-free: each pair has one slot, a newer pair that maps there takes it over, and a hit costs
 * one array read and no allocation, where a lookup decodes the record again. It lives as long as
 * its database, so an updated database starts with an empty one.
 */
final class RecentLocations {

    private record Entry(InetAddress address, String locale, IpLocation location) {
    }

    private final AtomicReferenceArray<Entry> slots;
    private final int mask;

    /** @param size the number of slots, a power of two */
    RecentLocations(int size) {
        if (size <= 0 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("size must be a power of two, not " + size);
        }
        slots = new AtomicReferenceArray<>(size);
        mask = size - 1;
    }

    /**
     * @return the remembered answer, or null when there is none; an address the database does not
     * know is remembered as {@link IpLocation#UNKNOWN} itself
     */
    IpLocation get(InetAddress address, String locale) {
        Entry e = slots.get(slot(address, locale));
        return e != null && e.address.equals(address) && e.locale.equals(locale) ? e.location : null;
    }

    void put(InetAddress address, String locale, IpLocation location) {
        slots.lazySet(slot(address, locale), new Entry(address, locale, location));
    }

    private int slot(InetAddress address, String locale) {
        int h = address.hashCode() * 31 + locale.hashCode();
        return (h ^ (h >>> 16)) & mask;
    }
}
