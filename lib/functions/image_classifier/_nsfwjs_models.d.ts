// What nsfwjs 4.4.0's model subpaths (`nsfwjs/models/mobilenet_v2`,
// `nsfwjs/models/inception_v3`) export, declared here rather than through the
// package's own types, which import @tensorflow/tfjs and, through it, the
// newest @types/node (replacing Deno's own Node.js types in every program
// that imports this folder).

/** A model bundled as JavaScript modules: its topology and its weight shards in base64. */
export interface ModelDefinition {
  name: string;
  numOfWeightBundles: number;
  options?: { size?: number; type?: string };
  /** The model.json (topology and weights manifest) as a module's default export. */
  modelJson: () => Promise<{ default: unknown }>;
  /** Each weight shard, base64, as a module's default export. */
  weightBundles: Array<() => Promise<{ default: string }>>;
}

export declare const MobileNetV2Model: ModelDefinition;
export declare const InceptionV3Model: ModelDefinition;
