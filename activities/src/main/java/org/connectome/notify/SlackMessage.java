package org.connectome.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A notification as a Slack-compatible incoming-webhook message: {@code text} (what a phone
 * notification shows) plus one attachment with a colour, the run's link, the error summary and
 * fields. Slack, Mattermost and Rocket.Chat read this shape; links use Slack's {@code <url|label>}
 * form in {@code text} and {@code title_link} in the attachment. The message carries its
 * idempotency key ({@code idempotency_key}, also the {@code Idempotency-Key} header of the post),
 * the same in every delivery of one notification, so a receiver can drop repeats.
 */
public final class SlackMessage {
  /** Longest error summary sent; the catalog ({@code connectome status}) keeps the whole text. */
  static final int MAX_DETAIL_CHARS = 1_500;

  private static final ObjectMapper JSON = new ObjectMapper();

  private SlackMessage() {}

  /**
   * {@code template} with {@code {sample}} and {@code {run}} replaced, or null without a template.
   */
  public static String runLink(String template, Notification n) {
    if (template == null || template.isBlank()) {
      return null;
    }
    return template
        .replace("{sample}", URLEncoder.encode(n.sample(), StandardCharsets.UTF_8))
        .replace("{run}", URLEncoder.encode(n.run(), StandardCharsets.UTF_8));
  }

  /**
   * The JSON body for {@code n}, with {@code link} (may be null) as the run's link and {@code
   * idempotencyKey} (may be null) to tell repeats apart.
   */
  public static String json(Notification n, String link, String idempotencyKey) {
    try {
      Map<String, Object> body = payload(n, link);
      if (idempotencyKey != null) {
        body.put("idempotency_key", idempotencyKey);
      }
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, Object> payload(Notification n, String link) {
    n =
        new Notification(
            n.event(), n.runId(), n.stage(), n.state(), readable(n.message()), n.time());
    String who = link == null ? "*" + n.runId() + "*" : "<" + link + "|" + n.runId() + ">";
    String summary = firstLine(n.message());
    String headline =
        switch (n.event()) {
          case RUN_FINISHED -> ":white_check_mark: " + who + " finished" + suffix(summary);
          case RUN_FAILED -> ":x: " + who + " failed" + suffix(summary);
          case RUN_CANCELLED -> ":no_entry_sign: " + who + " was cancelled" + suffix(summary);
          case STAGE_FAILED ->
              ("WAITING_TO_RESUME".equals(n.state()) ? ":warning: " : ":x: ")
                  + who
                  + ": stage "
                  + n.stage()
                  + " failed"
                  + ("WAITING_TO_RESUME".equals(n.state()) ? resumeNote(n.message()) : "");
          case STAGE_RESUMED ->
              ":arrows_counterclockwise: "
                  + who
                  + ": stage "
                  + n.stage()
                  + " resumed"
                  + suffix(summary);
          case RUN_HELD -> ":raised_hand: " + who + " is held for review" + suffix(summary);
        };
    String color =
        switch (n.event()) {
          case RUN_FINISHED -> "good";
          case RUN_FAILED -> "danger";
          case RUN_CANCELLED -> "#808080";
          case STAGE_FAILED -> "WAITING_TO_RESUME".equals(n.state()) ? "warning" : "danger";
          case STAGE_RESUMED -> "#439FE0";
          case RUN_HELD -> "warning";
        };
    List<Map<String, Object>> fields = new ArrayList<>();
    fields.add(field("Sample", n.sample()));
    fields.add(field("Run", n.run()));
    if (n.stage() != null) {
      fields.add(field("Stage", n.stage()));
    }
    fields.add(field("Event", n.event().id()));
    if (n.state() != null) {
      fields.add(field("State", n.state()));
    }
    Map<String, Object> attachment = new LinkedHashMap<>();
    attachment.put("fallback", plain(headline) + (link == null ? "" : " " + link));
    attachment.put("color", color);
    attachment.put(
        "title", n.runId() + (n.stage() == null ? "" : " · " + n.stage()) + " · " + n.event().id());
    if (link != null) {
      attachment.put("title_link", link);
    }
    if (n.message() != null && !n.message().isBlank() && n.event() != NotifyEvent.RUN_FINISHED) {
      attachment.put("text", "```" + truncate(n.message().strip(), MAX_DETAIL_CHARS) + "```");
      attachment.put("mrkdwn_in", List.of("text"));
    }
    attachment.put("fields", fields);
    attachment.put("footer", "connectome");
    if (n.time() != null) {
      attachment.put("ts", n.time().getEpochSecond());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("text", headline);
    body.put("attachments", List.of(attachment));
    return body;
  }

  /**
   * The message without the wrapping of a Temporal failure's text ({@code message='...',
   * type='StepFailed', nonRetryable=true}), which workflows pass on as they get it.
   */
  static String readable(String message) {
    if (message == null) {
      return null;
    }
    return message
        .replaceAll("(?m)^message='", "")
        .replaceAll("', type='[A-Za-z0-9_.$]*', nonRetryable=(true|false)", "");
  }

  private static Map<String, Object> field(String title, String value) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("title", title);
    f.put("value", value);
    f.put("short", true);
    return f;
  }

  private static String suffix(String summary) {
    return summary.isEmpty() ? "" : ": " + truncate(summary, 300);
  }

  /** ": why; resuming in 10s (automatic resume 1 of 3)" from a waiting stage's message. */
  private static String resumeNote(String message) {
    if (message == null) {
      return "";
    }
    String first = firstLine(message);
    String last = message.strip();
    int nl = last.lastIndexOf('\n');
    last = nl < 0 ? "" : last.substring(nl + 1).strip();
    String note = last.startsWith("resuming") ? last : "";
    String why = first.isEmpty() || first.equals(last) ? "" : truncate(first, 300);
    return why.isEmpty() && note.isEmpty()
        ? ""
        : ": " + why + (why.isEmpty() || note.isEmpty() ? "" : "; ") + note;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl).strip();
  }

  static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  private static String plain(String mrkdwn) {
    return mrkdwn
        .replaceAll("<([^|>]+)\\|([^>]+)>", "$2")
        .replaceAll(":[a-z_]+: ", "")
        .replace("*", "");
  }
}
