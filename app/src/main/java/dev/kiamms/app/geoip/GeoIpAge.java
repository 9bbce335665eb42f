package dev.kiamms.app.geoip;

import dev.kiamms.iplocation.GeoIpDatabase;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * What {@code status} says about a GeoIP database: its type, build date, age in whole days, and
 * whether it is older than {@code geoip.max_age_days} (0: never stale).
 */
public record GeoIpAge(String type, LocalDate built, long ageDays, boolean stale, int maxAgeDays) {

    /** Pure: the age of a database built at {@code buildTime}, seen at {@code now}. */
    public static GeoIpAge of(String type, Instant buildTime, Instant now, int maxAgeDays) {
        long days = Math.max(0, Duration.between(buildTime, now).toDays());
        return new GeoIpAge(type, LocalDate.ofInstant(buildTime, ZoneOffset.UTC), days,
                maxAgeDays > 0 && days > maxAgeDays, maxAgeDays);
    }

    /** Reads the metadata of the .mmdb at {@code file} (cheap: the file is memory-mapped, not read). */
    public static GeoIpAge read(Path file, Instant now, int maxAgeDays) throws IOException {
        try (GeoIpDatabase db = GeoIpDatabase.open(file)) {
            return of(db.type(), db.buildTime(), now, maxAgeDays);
        }
    }

    /** {@code GeoLite2-City, built 2026-11-01 (22 days old)}, plus a warning when stale. */
    public String describe() {
        String s = type + ", built " + built + " (" + ageDays + (ageDays == 1 ? " day" : " days") + " old)";
        if (stale) {
            s += " \u2014 OLDER THAN " + maxAgeDays + " days: run 'kiam-ms geoip update'";
        }
        return s;
    }
}
