package dev.kiamms.app.service;

import dev.kiamms.files.OwnerOnlyFiles;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.nats.client.api.StreamState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The audit stream's extent as kiam-ms last saw it, kept in the data directory beside the broker's
 * store. The stream only grows at its end and loses messages at its start (age and size limits);
 * kiam-ms never removes one from the middle. So a stream that comes back shorter at its end, with
 * fewer messages than its limits explain, or not at all, lost audits it had confirmed: a damaged
 * or truncated store, a lost disk. That must be said aloud, never passed over as an empty stream.
 */
public record StreamMark(long firstSequence, long lastSequence, long messages) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static StreamMark of(StreamState state) {
        return new StreamMark(state.getFirstSequence(), state.getLastSequence(), state.getMsgCount());
    }

    /**
     * What the stream lost since this mark, in one line; empty when nothing.
     *
     * @param now the stream as it is; null when it does not exist
     */
    public Optional<String> lossSince(StreamMark now, String stream) {
        if (lastSequence == 0) {
            return Optional.empty(); // nothing was ever stored
        }
        if (now == null || now.lastSequence == 0) {
            // Made again from nothing (kiam-ms creates a missing stream at start) or not there at all.
            return Optional.of("the stream " + stream + " is " + (now == null ? "gone" : "new and empty") + " although it held "
                    + messages + " message(s) up to sequence " + lastSequence + ": its store was lost or damaged");
        }
        if (now.lastSequence < lastSequence) {
            return Optional.of("the stream " + stream + " ends at sequence " + now.lastSequence + " but had reached " + lastSequence
                    + ": its store was damaged or truncated and up to " + (lastSequence - now.lastSequence) + " message(s) are gone");
        }
        // Aged out at the start (of the old messages and of the new ones) is expected; nothing else is.
        long droppedAtStart = Math.max(0, Math.min(now.firstSequence, lastSequence + 1) - firstSequence);
        long survivingOld = Math.max(0, messages - droppedAtStart);
        long newSince = Math.max(0, now.lastSequence - Math.max(lastSequence, now.firstSequence - 1));
        long expected = survivingOld + newSince;
        if (now.messages < expected) {
            return Optional.of("the stream " + stream + " holds " + now.messages + " message(s) where " + expected
                    + " were expected: its store was damaged and " + (expected - now.messages) + " message(s) are gone");
        }
        return Optional.empty();
    }

    public void write(Path file) throws IOException {
        OwnerOnlyFiles.directory(file.getParent());
        OwnerOnlyFiles.write(file, JSON.writeValueAsBytes(this));
    }

    public static Optional<StreamMark> read(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(JSON.readValue(file.toFile(), StreamMark.class)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
