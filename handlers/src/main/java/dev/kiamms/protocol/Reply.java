package dev.kiamms.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** The answer to an action request, in the field order and with the names the Go client expects. */
@JsonPropertyOrder({"version", "time", "reqid", "code", "message", "payload"})
public record Reply(
        @JsonProperty("version") String version,
        @JsonProperty("time") long timeMicros,
        @JsonProperty("reqid") String reqid,
        @JsonProperty("code") int code,
        @JsonProperty("message") String message,
        @JsonProperty("payload") Object payload) {

    /** Made once: every reply carries it. */
    private static final String SERVER_VERSION = ProtocolVersion.SERVER.toString();

    public static Reply ok(String reqid, long nowMicros, Object payload) {
        return new Reply(SERVER_VERSION, nowMicros, reqid, ReplyCode.OK.value(), "ok", payload);
    }

    public static Reply error(String reqid, long nowMicros, ReplyCode code, String message) {
        return new Reply(SERVER_VERSION, nowMicros, reqid == null ? "" : reqid,
                code.value(), message, null);
    }

    @JsonIgnore
    public boolean isOk() {
        return code == ReplyCode.OK.value();
    }
}
