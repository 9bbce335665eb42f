package dev.kiamms.iplocation;

import dev.kiamms.protocol.JsonOut;
import dev.kiamms.protocol.SelfWritingPayload;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Reply payload of {@code iplocation}. The keys are the ones KrossIAM's client decodes; the
 * coordinates stay JSON numbers. An address the database does not know gets empty names and zero
 * coordinates, as the reference server answers, so that KrossIAM treats it as "unknown place".
 */
@JsonPropertyOrder({"continent", "country", "city", "longitude", "latitude", "timezone"})
public record IpLocation(String continent, String country, String city, double longitude, double latitude,
                         String timezone) implements SelfWritingPayload {

    public static final IpLocation UNKNOWN = new IpLocation("", "", "", 0.0, 0.0, "");

    /** The same fields and order as the annotation above: the reply of every request is written this way. */
    @Override
    public void writeFields(JsonOut out) {
        out.field("continent", continent).field("country", country).field("city", city)
                .field("longitude", longitude).field("latitude", latitude).field("timezone", timezone);
    }
}
