package dev.kiamms.iplocation;

import com.maxmind.db.MaxMindDbConstructor;
import com.maxmind.db.MaxMindDbParameter;

import java.util.Map;

/**
 * The parts of a City or Country database record that {@code iplocation} answers with. The
 * reader decodes only these keys and skips the rest of the record (subdivisions, postal code,
 * traits, ...), which halves the cost of a lookup compared with geoip2's whole
 * {@code CityResponse}. Without the lookup address in it, the decoded value may also be cached.
 * Public only because the reader builds it by reflection.
 *
 * @param continent null when the record has none; likewise the others
 * @param location  null in a Country database
 */
public record GeoIpRecord(Named continent, Named country, Named city, Location location) {

    @MaxMindDbConstructor
    public GeoIpRecord(@MaxMindDbParameter(name = "continent") Named continent,
                       @MaxMindDbParameter(name = "country") Named country,
                       @MaxMindDbParameter(name = "city") Named city,
                       @MaxMindDbParameter(name = "location") Location location) {
        this.continent = continent;
        this.country = country;
        this.city = city;
        this.location = location;
    }

    /** A place's names by locale ({@code en}, {@code zh-CN}, ...); null when it has none. */
    public record Named(Map<String, String> names) {

        @MaxMindDbConstructor
        public Named(@MaxMindDbParameter(name = "names") Map<String, String> names) {
            this.names = names;
        }
    }

    /** Coordinates and time zone; each null when the record lacks it. */
    public record Location(Double latitude, Double longitude, String timeZone) {

        @MaxMindDbConstructor
        public Location(@MaxMindDbParameter(name = "latitude") Double latitude,
                        @MaxMindDbParameter(name = "longitude") Double longitude,
                        @MaxMindDbParameter(name = "time_zone") String timeZone) {
            this.latitude = latitude;
            this.longitude = longitude;
            this.timeZone = timeZone;
        }
    }
}
