package dev.kiamms.protocol;

/** Why a message was not handled: the reply code to send and a message a person can act on. */
public record Rejection(ReplyCode code, String message) {
}
