// The training configuration's types, shared by the engine, the training workers (which receive the run's config as
// it is, so a new setting reaches the place that uses it without a message field of its own) and checkpoints.
// Types (and the one list of backend names) only: no imports outside src/shared. Defaults and validation live in src/ml/config.ts.

/** The backends a user may ask for (setting, config file or --backend), in the order the help lists them. */
export const BACKEND_PREFERENCES = ['auto', 'wasm', 'webgpu', 'tensorflow', 'cpu'] as const;

/** Which backend the training workers asked for. */
export type BackendPreference = typeof BACKEND_PREFERENCES[number];

/**
 * One network's architecture: the config's `network` block plus what the data fixes (input channels, classes). Both
 * workers build it and checkpoints record it, so it is the one type of a network's shape.
 */
export interface NetworkDescription {
  inChannels: number;
  classes: number;
  /** Poolings of the U-Net; input is padded to a multiple of 2^depth internally. */
  depth: number;
  /** Filters of the first block, doubled at each depth. */
  baseFilters: number;
  /** Dropout rate before the decoders (0 = none). */
  dropout: number;
  /** The S6 reconstruction decoder (MSE on all inputs, labelled or not) on the shared encoder. */
  reconstruction: boolean;
  /**
   * The last input channel is each pixel's relative depth in its section (CoordConv; stratigraphy is depth-ordered),
   * derived, not data. Optional because checkpoints written before the option lack it (= false).
   */
  depthChannel?: boolean;
}

/** The config's `network` block: a network's settings that do not depend on the data. */
export type NetworkSettings = Required<Omit<NetworkDescription, 'inChannels' | 'classes'>>;

/** Every setting of a training run. */
export interface TrainingConfig {
  /** Seed of every random choice: initialisation, sampling, augmentation, validation split. */
  seed: number;
  backend: BackendPreference;
  network: NetworkSettings;
  /** Epochs per stage (an epoch is `stepsPerEpoch` optimizer steps of both networks). */
  epochs: { 1: number; 2: number; 3: number };
  stepsPerEpoch: number;
  batchSize: number;
  /** Training patch height and width (clamped to the largest section; smaller sections are padded). */
  patchSize: number;
  /**
   * Share of each stage-2 and stage-3 batch drawn around labelled pixels; the rest anywhere (feeds the unlabelled terms).
   * Stage 1 draws every patch around labels.
   */
  labelledPatchShare: number;
  /**
   * How the labelled pixel a patch is centred on is drawn: 'class-balanced' picks a class uniformly, then one of its
   * pixels (a thin unit gets as many patches as a thick one, before and after growing); 'uniform' picks any labelled pixel.
   */
  labelSampling: 'class-balanced' | 'uniform';
  learningRate: number;
  /**
   * The learning rate within each stage: cosine decay from the stage's peak to `finalFraction` of it (a warm restart
   * per stage, as SGDR), or 'none' for a constant rate. Stages 2 and 3 fine-tune an already trained pair, so their
   * peak is `learningRate × laterStagesScale` (a constant 5e-3 there made stage 3 undo what stage 2 had reached on F3).
   */
  schedule: { decay: 'cosine' | 'none'; finalFraction: number; laterStagesScale: number };
  focalGamma: number;
  /** 'balanced' weights classes by inverse frequency of the training labels (clamped), 'none' leaves them equal. */
  classWeights: 'none' | 'balanced';
  cps: {
    /** Final λ of the pseudo term. */
    lambda: number;
    /** Epochs of stage 2 over which λ ramps up with exp(-5(1-t)^2). */
    rampUpEpochs: number;
    /** Pseudo-labelled pixels under this partner confidence are dropped. */
    confidenceThreshold: number;
    /**
     * Focal γ of the pseudo-label terms (CPS and consistency). The supervised term's γ divides a confident pixel's loss
     * by ~(1-p)^-γ, which silences exactly the confident pseudo labels the confidence threshold keeps.
     */
    pseudoGamma: number;
    /**
     * Pseudo labels (CPS and the consistency term) keep the depth order of the units the labels imply (orderedUnits
     * 'auto'), decoded down each column of a patch as predictions are, instead of each pixel's argmax.
     */
    orderedPseudoLabels: boolean;
    /**
     * CutMix in stages 2 and 3: the probability that a patch of the batch gets a box (25–50 % of it) pasted from another
     * patch at the same place; pseudo labels come from the batch before mixing, and every label map moves with the
     * pixels. 0 = off.
     */
    cutMix: number;
  };
  /**
   * Weak/strong consistency (FixMatch / UDA), stages 2 and 3: each network's argmax on the batch, where its confidence
   * reaches `threshold`, supervises its own prediction on a strongly augmented view of the same patches (flips, shifts,
   * strong gain and noise, cut-out; never vertical flips). `weight` 0 = off.
   */
  consistency: {
    weight: number;
    threshold: number;
  };
  growth: {
    /** Chebyshev radius of the neighbourhood of labels where pixels may be grown. */
    radius: number;
    /** Minimum mean probability of the predicted class (the cap of each class's threshold when `adaptive`). */
    threshold: number;
    /**
     * Class-adaptive thresholds (after CBST, Zou et al. 2018): a class whose predictions are rarely that confident
     * (thin units, focal-loss outputs) gets the confidence reached by its top `adaptiveShare` of predicted pixels,
     * never under `minThreshold` (nor over `threshold`); without it such a class never grows and is crowded out by those that do.
     */
    adaptive: boolean;
    adaptiveShare: number;
    minThreshold: number;
    /**
     * Where stage 3 centres its labelled patches: on the user's seeds (as in stages 1-2; the default, since centring
     * on the grown labels moved training into the easy interiors of the units and lowered F3's prediction 0.905 ->
     * 0.890, against 0.898 on seeds) or on all grown labels.
     */
    patchCentres: 'seeds' | 'grown';
    /**
     * Weight of the grown labels' term in stage 3: seeds and grown labels are each averaged over their own pixels and
     * added, seeds × 1 + grown × this. Pooled into one mean, grown labels (half a section, all in the easy interiors)
     * outnumbered the seeds ~17:1 and drowned the boundaries that only the seeds carry.
     */
    grownWeight: number;
    /** Both networks' argmax must agree. */
    requireAgreement: boolean;
    /** DSRG: only grow a class next to a label of that same class. */
    sameClassOnly: boolean;
    /**
     * Sections of one volume that cross (an inline and a crossline share a trace) pass their grown labels to each
     * other in stage 3, where the receiving section's own prediction agrees (same rules as growth): labels reach the
     * unlabelled lines of the volume. Only sections with a place in a volume take part.
     */
    acrossSections: boolean;
  };
  reconWeight: number;
  /** Share of labelled pixels (in square blocks) held out for validation. */
  validationFraction: number;
  validationBlock: number;
  /** Overlap of tiles in overlap-tiled inference (pixels). */
  inferenceOverlap: number;
  /**
   * The predictions a user gets (after training, `seisgrow predict`, Predict Volume) average each section's probabilities
   * with those of its left-right mirror, mirrored back: test-time augmentation at twice the inference cost. Validation
   * and growth in the stages stay single-pass, so a run trains exactly as without it.
   */
  inferenceFlip: boolean;
  /**
   * 'auto': when the user's labels imply one top-to-bottom order of the classes (every labelled trace meets them in
   * that order, as stratigraphic units), each trace of a prediction is decoded as the most probable sequence that keeps
   * it; labels that imply none (salt above and below sediment, facies) leave the plain argmax. 'off': always the argmax.
   */
  orderedUnits: 'auto' | 'off';
  /**
   * Training-patch augmentations: left-right flips, amplitude gain ±amplitudeScale, Gaussian noise, a vertical shift of up
   * to `shift` samples, and a lateral stretch by a factor drawn log-uniformly from [1/(1+lateralStretch), 1+lateralStretch]
   * (0 = none), so structures wider or narrower, and dips gentler or steeper, than the labelled ones are seen in training.
   * Only lateral: a wavelet spans a few samples vertically, and resampling along the trace would smooth it.
   * `depthJitter` adds one offset drawn uniformly from [−depthJitter, depthJitter] to a patch's relative-depth channel
   * (which spans −1..1 over the section; 0 = none), so the network takes depth as a prior, not as where a unit must be:
   * away from the labelled lines the same unit lies tens of samples deeper or shallower.
   */
  augment: { flip: boolean; amplitudeScale: number; noise: number; shift: number; lateralStretch: number; depthJitter: number };
  /**
   * Self-supervised pretraining before stage 1 (a run that starts at stage 1): `epochs` epochs in which each network
   * rebuilds the amplitude of square blocks (`block` pixels) hidden from it with probability `maskRatio`, on patches
   * drawn anywhere in every section, labelled or not, through a reconstruction decoder of its own. 0 = none.
   */
  pretrain: { epochs: number; maskRatio: number; block: number };
  /** Percentiles for robust normalisation. */
  clipPercentiles: [number, number];
}

/** A frozen, validated config. */
export type FrozenConfig = DeepReadonly<TrainingConfig>;

/** Read-only all the way down. */
export type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

