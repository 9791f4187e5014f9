package org.connectome.workflows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.workflow.Workflow;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The search attributes that make runs findable through Temporal's visibility (the Web UI, {@code
 * temporal workflow list --query 'ConnectomeSample="demo"'}, {@code connectome status}): sample and
 * run on every workflow of a run, and the run's state on its sample-run workflow. A cluster needs
 * them registered once per namespace ({@code temporal operator search-attribute create --name
 * ConnectomeSample --type Keyword}, and the same for the others); the local server registers them
 * when it starts.
 */
public final class RunSearchAttributes {
  public static final SearchAttributeKey<String> SAMPLE =
      SearchAttributeKey.forKeyword("ConnectomeSample");
  public static final SearchAttributeKey<String> RUN =
      SearchAttributeKey.forKeyword("ConnectomeRun");
  public static final SearchAttributeKey<String> STATE =
      SearchAttributeKey.forKeyword("ConnectomeState");

  /**
   * Change id of the workflows' search attributes: histories recorded before them replay without
   * the upserts.
   */
  static final String CHANGE = "search-attributes";

  private RunSearchAttributes() {}

  /** Name to Temporal type of every attribute, to register them. */
  public static Map<String, String> registration() {
    Map<String, String> out = new LinkedHashMap<>();
    for (SearchAttributeKey<String> k : new SearchAttributeKey[] {SAMPLE, RUN, STATE}) {
      out.put(k.getName(), "Keyword");
    }
    return out;
  }

  /**
   * Makes sure the namespace has every attribute: registers the missing ones when {@code create},
   * else fails naming them and the command that registers them (a cluster's operator does that
   * once, with admin rights the workers need not have).
   *
   * @throws IllegalStateException naming the missing attributes
   */
  public static void ensureRegistered(OperatorServiceStubs ops, String namespace, boolean create) {
    Map<String, IndexedValueType> have;
    try {
      have =
          ops.blockingStub()
              .listSearchAttributes(
                  ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build())
              .getCustomAttributesMap();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
        throw e;
      }
      have = Map.of(); // Temporal's Java test server lists none but registers them
    }
    Map<String, IndexedValueType> registered = have;
    List<String> missing =
        registration().keySet().stream().filter(n -> !registered.containsKey(n)).toList();
    if (missing.isEmpty()) {
      return;
    }
    if (!create) {
      throw new IllegalStateException(
          "Temporal namespace '"
              + namespace
              + "' lacks the search attributes "
              + missing
              + "; register them once: "
              + missing.stream()
                  .map(
                      n ->
                          "temporal operator search-attribute create --namespace "
                              + namespace
                              + " --name "
                              + n
                              + " --type Keyword")
                  .collect(Collectors.joining(" && ")));
    }
    AddSearchAttributesRequest.Builder add =
        AddSearchAttributesRequest.newBuilder().setNamespace(namespace);
    missing.forEach(n -> add.putSearchAttributes(n, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    ops.blockingStub().addSearchAttributes(add.build());
  }

  /** The attributes a run's workflow starts with. */
  public static SearchAttributes atLaunch(String sample, String run) {
    return SearchAttributes.newBuilder()
        .set(SAMPLE, sample)
        .set(RUN, sample + "/" + run)
        .set(STATE, "RUNNING")
        .build();
  }

  /** The attributes of a step's child workflow (inside workflow code). */
  public static SearchAttributes forStep(String sample, String runId) {
    if (!enabled()) {
      return SearchAttributes.EMPTY;
    }
    return SearchAttributes.newBuilder().set(SAMPLE, sample).set(RUN, runId).build();
  }

  /** Upserts the run's state (inside workflow code), unless replaying a history from before. */
  public static void upsertState(String state) {
    if (enabled()) {
      Workflow.upsertTypedSearchAttributes(STATE.valueSet(state));
    }
  }

  private static boolean enabled() {
    return Workflow.getVersion(CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1;
  }
}
