// The engine's data pipeline in one import: robust scaling, patch sampling, tiled inference, augmentation.
export * from './data/scaler';
export * from './data/patches';
export * from './data/tiling';
export * from './data/augment';
