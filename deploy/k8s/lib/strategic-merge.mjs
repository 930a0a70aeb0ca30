// The part of Kubernetes' strategic merge patch that the overlays use: maps merge key by
// key, lists of named things merge by their merge key (as in the API's
// x-kubernetes-patch-merge-key), any other list is replaced, null deletes a key.
// Anything else ($patch, $retainKeys, $setElementOrder) is refused rather than guessed.

// List field name -> merge key, for the fields of pod templates, Services and their parts.
const MERGE_KEYS = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  ports: "containerPort",
  imagePullSecrets: "name",
  tolerations: "key",
};

function isMap(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function strategicMerge(target, patch, path = "") {
  if (!isMap(target) || !isMap(patch)) return structuredClone(patch);
  const out = structuredClone(target);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) throw new Error(`${path}/${key}: directive not supported by this builder`);
    const here = `${path}/${key}`;
    if (value === null) {
      delete out[key];
    } else if (Array.isArray(value) && Array.isArray(out[key]) && MERGE_KEYS[key] &&
               !(key === "ports" && !out[key].every((p) => "containerPort" in p))) {
      out[key] = mergeList(out[key], value, MERGE_KEYS[key], here);
    } else if (isMap(value) && isMap(out[key])) {
      out[key] = strategicMerge(out[key], value, here);
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

// As kustomize orders it: the patch's items first (each merged into its original), then
// the original items the patch does not name.
function mergeList(target, patch, mergeKey, path) {
  const out = [];
  for (const item of patch) {
    if (!isMap(item) || !(mergeKey in item)) {
      throw new Error(`${path}: an item without its merge key "${mergeKey}"`);
    }
    const original = target.find((t) => isMap(t) && t[mergeKey] === item[mergeKey]);
    out.push(original ? strategicMerge(original, item, `${path}[${mergeKey}=${item[mergeKey]}]`)
      : structuredClone(item));
  }
  const named = new Set(patch.map((item) => item[mergeKey]));
  for (const t of target) if (!(isMap(t) && named.has(t[mergeKey]))) out.push(structuredClone(t));
  return out;
}
