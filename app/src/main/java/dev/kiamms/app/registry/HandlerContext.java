package dev.kiamms.app.registry;

import dev.kiamms.limit.SendBudget;
import dev.kiamms.app.service.Resources;
import dev.kiamms.sink.JsonLinesFile;

/**
 * What a registration may use to build its handler: the resources in force now (read per
 * message, so a reload reaches the handler) and the record files in the log folder.
 */
public interface HandlerContext {

    /** The GeoIP database, mail templates and MTAs of the configuration in force at this moment. */
    Resources resources();

    /** A rotated JSON-lines file {@code <log dir>/<name>.jsonl}, closed when the appliance stops. */
    JsonLinesFile sink(String name);

    /** The per-recipient send limits, shared by every instance on the broker. */
    SendBudget sendBudget();

    /** The channels routes send through, configured at start; each reads the resources in force per send. */
    java.util.List<dev.kiamms.channel.Channel> channels();

    /** The delivery records JetStream keeps, or null while JetStream is not attached (or absent). */
    dev.kiamms.bus.DeliveryLedger ledger();
}
