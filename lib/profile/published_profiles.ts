/**
 * Coefficients of the three published batch service-time polynomials S(k, m).
 *
 * Provenance: Ali, Pinciroli, Yan, Smirni, "BATCH: Machine Learning Inference
 * Serving on Serverless Platforms with Adaptive Batching", SC'20,
 * DOI 10.5555/3433701.3433792; code release Zenodo 10.5281/zenodo.3872213,
 * function `batchServiceTime` of `solver.py` (copied from
 * `shared/reference/service_time_profiles.json`). The authors fitted them on AWS
 * Lambda measurements with memory 1280..3008 MB and batch size 1..20; S is in
 * seconds, k is the batch size and m the Lambda memory in MB.
 *
 * This file is data only: evaluate the profiles through `publishedProfile` and
 * `serviceTimeSec` in `service_profile.ts`.
 *
 * @module
 */

/** Terms of the cubic fits, in the order `solver.py` sums them. */
export const CUBIC_TERMS = [
  "1",
  "k",
  "m",
  "k^2",
  "k*m",
  "m^2",
  "k^3",
  "m*k^2",
  "k*m^2",
  "m^3",
] as const;

/** Terms of the quartic fit, in the order `solver.py` sums them. */
export const QUARTIC_TERMS = [
  ...CUBIC_TERMS,
  "k^4",
  "m*k^3",
  "k^2*m^2",
  "k*m^3",
  "m^4",
] as const;

/** Memory range in MB the published profiles were fitted on. */
export const PUBLISHED_MEMORY_RANGE_MB = [1280, 3008] as const;

/** Batch-size range the published profiles were fitted on. */
export const PUBLISHED_BATCH_RANGE = [1, 20] as const;

/**
 * Terms and coefficients of each published profile, keyed by model name
 * (coefficients t0, t1, ... of `solver.py`, one per term).
 */
export const PUBLISHED_PROFILE_DATA = {
  "TF-inceptionV4": {
    terms: CUBIC_TERMS,
    coefficients: [
      4.98785373866948,
      2.21290624531453,
      -0.006302148424865,
      0.01220707314674,
      -0.001078252966917,
      0.00000293842054489054,
      -0.000136439880153,
      -0.00000238944435771044,
      0.00000016826351295629,
      -0.000000000444821512957105,
    ],
  },
  "TF-resnetV2": {
    terms: CUBIC_TERMS,
    coefficients: [
      4.10287326093357,
      2.44209348386686,
      -0.003744827715921,
      0.00146578966951,
      -0.001200716327886,
      0.00000154147156981117,
      0.000169790388555,
      -0.00000169402238148543,
      0.000000193096097179588,
      -0.000000000214320561298109,
    ],
  },
  "mxnet-resnet50": {
    terms: QUARTIC_TERMS,
    coefficients: [
      4.159625107884683,
      2.6042179469237112,
      -0.010825805019675406,
      0.009138187816342925,
      -0.0028596859100282783,
      0.00000969154925319072,
      -0.0010892145857441117,
      0.0000017781522992577246,
      0.000001226979037160046,
      -0.000000003604767989748986,
      0.000052168371220458194,
      -0.00000030873547472152034,
      0.000000001335682942382537,
      -0.00000000017570492803764548,
      0.0000000000004756195437494171,
    ],
  },
} as const;
