// A minimal Neuroglancer: the default viewer, its state in the URL fragment (#!{...}), exposed as window.viewer
// so that check.mjs can ask it whether every layer has loaded (viewer.isReady()) and inspect data sources.
import "neuroglancer";
import { setupDefaultViewer } from "neuroglancer/unstable/ui/default_viewer_setup.js";

const viewer = setupDefaultViewer();
window.viewer = viewer;

/** What check.mjs polls: readiness, and the errors of layer data sources. */
window.connectomeViewerStatus = () => {
  const layers = [];
  for (const managed of viewer.layerManager.managedLayers) {
    const layer = managed.layer;
    const errors = [];
    for (const ds of layer?.dataSources ?? []) {
      const state = ds.loadState;
      if (state !== undefined && state.error !== undefined) {
        errors.push(`${ds.spec?.url ?? "?"}: ${state.error.message ?? state.error}`);
      }
    }
    layers.push({ name: managed.name, ready: !!managed.isReady(), loaded: layer !== null, errors });
  }
  return { ready: viewer.isReady(), layers };
};
