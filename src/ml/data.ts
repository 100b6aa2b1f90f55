// The trainer's data pipeline in one import: robust normalisation, batch sampling, tiled inference, strong views.
export * from './data/normalisation';
export * from './data/patches';
export * from './data/tiling';
export * from './data/augment';
