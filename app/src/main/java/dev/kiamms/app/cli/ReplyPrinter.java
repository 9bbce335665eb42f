package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.protocol.Reply;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints an action's reply for {@code send-test}, and turns its code into the exit code. */
final class ReplyPrinter {

    private ReplyPrinter() {
    }

    static int print(KrossIamClient.Exchange ex, OutputOptions output) {
        return print(ex, output, Map.of());
    }

    /**
     * @param extra what the command learned beside the reply (e.g. where a mail went): JSON fields,
     *              or one "key: value" line each after the reply
     */
    static int print(KrossIamClient.Exchange ex, OutputOptions output, Map<String, Object> extra) {
        Reply reply = ex.reply();
        double millis = ex.roundTrip().toNanos() / 1e6;
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("reqid", ex.reqid());
        j.put("roundTripMillis", Math.round(millis * 1000) / 1000.0);
        j.put("reply", reply);
        j.putAll(extra);
        List<String> text = new ArrayList<>();
        text.add(String.format(Locale.ROOT, "code %d (%s) in %.1f ms, reqid %s", reply.code(), reply.message(), millis, ex.reqid()));
        if (reply.payload() != null) {
            try {
                text.add(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(reply.payload()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                text.add(String.valueOf(reply.payload()));
            }
        }
        extra.forEach((key, value) -> text.add(key + ": " + value));
        output.print(Result.of(j, text));
        if (!reply.reqid().equals(ex.reqid())) {
            throw new KiamMsException(KiamMsException.FAILURE, "the reply names reqid " + reply.reqid()
                    + " instead of " + ex.reqid() + "; KrossIAM would reject it as a protocol error");
        }
        return reply.isOk() ? 0 : KiamMsException.ACTION_FAILED;
    }
}
