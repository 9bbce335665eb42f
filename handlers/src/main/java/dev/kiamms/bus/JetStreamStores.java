package dev.kiamms.bus;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;

import java.io.IOException;

/**
 * The one way kiam-ms sets up what it keeps in JetStream (the audit stream, the attempt log, the
 * delivery records, the send limits): created on first start, and on every later start brought up
 * to the configured limits, so that a changed setting takes effect without deleting anything.
 */
final class JetStreamStores {

    /** JetStream's HTTP-like code for a stream or bucket that does not exist. */
    private static final int NOT_FOUND = 404;

    private JetStreamStores() {
    }

    static StreamInfo createOrUpdate(JetStreamManagement jsm, StreamConfiguration config) throws IOException, JetStreamApiException {
        try {
            jsm.getStreamInfo(config.getName());
            return jsm.updateStream(config);
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != NOT_FOUND) {
                throw e;
            }
            return jsm.addStream(config);
        }
    }

    static void createOrUpdate(KeyValueManagement kvm, KeyValueConfiguration config) throws IOException, JetStreamApiException {
        try {
            kvm.getStatus(config.getBucketName());
            kvm.update(config);
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != NOT_FOUND) {
                throw e;
            }
            kvm.create(config);
        }
    }
}
