package dev.kiamms.iplocation;

import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.ActionHandler;
import dev.kiamms.pipeline.MessageContext;

import java.io.IOException;
import java.net.InetAddress;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The {@code iplocation} action: continent, country, city, coordinates and time zone of a public
 * IP address, with names in the requested language where the database has them.
 */
public final class IpLocationHandler implements ActionHandler<IpLocationRequest> {

    public static final String KEY = "iplocation";
    private static final Logger LOG = Logger.getLogger("kiamms.iplocation");

    private final Supplier<GeoIpDatabase> database;

    /** @param database the database in force, or a supplier of {@code null} when none is configured */
    public IpLocationHandler(Supplier<GeoIpDatabase> database) {
        this.database = database;
    }

    @Override
    public String key() {
        return KEY;
    }

    @Override
    public Class<IpLocationRequest> payloadType() {
        return IpLocationRequest.class;
    }

    @Override
    public boolean hasSideEffects() {
        return false;
    }

    @Override
    public IpLocation handle(IpLocationRequest request, MessageContext context) throws ActionException {
        InetAddress address;
        try {
            address = PublicAddress.parse(request.ipaddr());
        } catch (IllegalArgumentException e) {
            throw new ActionException(e.getMessage());
        }
        GeoIpDatabase db = database.get();
        if (db == null) {
            throw new ActionException("GeoIP database not configured (geoip.path)");
        }
        try {
            return db.locate(address, request.locale()).orElseGet(() -> {
                LOG.fine(() -> "reqid=" + context.reqid() + " " + address.getHostAddress() + " not in the GeoIP database");
                return IpLocation.UNKNOWN;
            });
        } catch (IOException e) {
            throw new ActionException("GeoIP lookup of " + address.getHostAddress() + " failed: " + e.getMessage(), e);
        }
    }
}
