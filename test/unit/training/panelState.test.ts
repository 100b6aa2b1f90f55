// Engine events → panel state: the reduction the panel and the stored runs rely on.
import * as assert from 'node:assert/strict';
import { compareRuns, continueRun, epochRow, finalScores, initialRun, lossesOf, MAX_NOTES, noteTopic, reduceEvents, reduceRun, withGrown, withGrownDecision } from '../../../src/training/panelState';
import type { EpochRecord, NetLosses, TrainingEvent } from '../../../src/shared/trainingProtocol';
import { LOSS_SERIES, lossSeriesLabel, type LossSeriesId } from '../../../src/shared/panelProtocol';

const nl = (sup: number, pseudo = 0, recon = 0): NetLosses => ({ sup, pseudo, recon, total: sup + pseudo + recon });

function record(stage: 1 | 2 | 3, epoch: number, iou: (number | null)[] | null, a = nl(1), b = nl(2)): EpochRecord {
  return {
    stage, epoch, losses: { a, b }, lambda: stage >= 2 ? 1 : 0,
    validation: iou ? { perClassIoU: iou, meanIoU: 0.5, pixelAccuracy: 0.9, meanClassAccuracy: 0.8, frequencyWeightedIoU: 0.7 } : null,
    validationPixels: 10, labelledPixels: 100, seconds: 3, etaSeconds: 12,
  };
}

describe('training panel state', () => {
  const fresh = () => initialRun('run-1', 'f3.sgy', ['a', 'b', 'c'], ['#ff0000', '#00ff00', '#0000ff']);

  it('starts running with nothing drawn', () => {
    const r = fresh();
    assert.equal(r.status, 'running');
    assert.deepEqual([r.epochs.length, r.growth.length, r.stage, r.backend], [0, 0, null, null]);
  });

  it('names loss series per network and term: pseudo from stage 2, reconstruction only when non-zero', () => {
    assert.deepEqual(Object.keys(lossesOf(record(1, 1, null))), ['a.supervised', 'b.supervised']);
    assert.deepEqual(lossesOf(record(2, 1, null, nl(1, 0.5), nl(2, 0.25))), { 'a.supervised': 1, 'a.pseudo': 0.5, 'b.supervised': 2, 'b.pseudo': 0.25 });
    assert.deepEqual(Object.keys(lossesOf(record(1, 1, null, nl(1, 0, 0.1), nl(2, 0, 0.2)))).sort(), ['a.reconstruction', 'a.supervised', 'b.reconstruction', 'b.supervised']);
    // The consistency term has a series only when the option was on (its key present), even at 0.
    const withConsistency = record(2, 1, null, { ...nl(1, 0.5), consistency: 0.125 }, { ...nl(2, 0.25), consistency: 0 });
    assert.deepEqual(lossesOf(withConsistency), { 'a.supervised': 1, 'a.pseudo': 0.5, 'a.consistency': 0.125, 'b.supervised': 2, 'b.pseudo': 0.25, 'b.consistency': 0 });
  });

  it('keys series by a typed id in chart order; the legend text comes from the id', () => {
    assert.deepEqual(LOSS_SERIES.slice(0, 4), ['a.supervised', 'b.supervised', 'a.pseudo', 'b.pseudo']);
    assert.equal(LOSS_SERIES.length, 8);
    assert.deepEqual(['a.supervised', 'b.pseudo', 'a.consistency', 'b.reconstruction'].map((id) => lossSeriesLabel(id as LossSeriesId)),
      ['A supervised', 'B pseudo', 'A consistency', 'B reconstruction']);
  });

  it('tracks backend, stage, progress within an epoch, epochs and ETA', () => {
    let r = fresh();
    r = reduceRun(r, { type: 'backend', backend: { name: 'wasm', requested: 'tensorflow', fallbackReason: 'tfjs-node not installed', tfjsVersion: '4.22.0', workers: 2, parameterCount: 1 } });
    assert.equal(r.backend, 'wasm ×2');
    assert.match(r.message ?? '', /fell back to wasm: tfjs-node not installed/);
    r = reduceRun(r, { type: 'stageStart', stage: 1, epochs: 4, stepsPerEpoch: 10 });
    assert.deepEqual([r.stage, r.epoch, r.stageEpochs, r.stageFraction], [1, 0, 4, 0]);
    r = reduceRun(r, { type: 'step', stage: 1, epoch: 2, step: 5, steps: 10, losses: { a: nl(1), b: nl(1) } });
    assert.equal(r.stageFraction, 1.5 / 4);
    r = reduceRun(r, { type: 'epoch', record: record(1, 2, [0.1, null, 0.3]) });
    assert.deepEqual([r.epoch, r.secondsPerEpoch, r.etaSeconds, r.stageFraction], [2, 3, 12, 0.5]);
    assert.deepEqual(r.epochs[0], { index: 0, stage: 1, epoch: 2, losses: { 'a.supervised': 1, 'b.supervised': 2 }, iou: [0.1, null, 0.3], miou: 0.5, seconds: 3 });
  });

  it('ignores steps of another stage than the one it was told started', () => {
    const r = reduceRun(fresh(), { type: 'step', stage: 2, epoch: 1, step: 1, steps: 2, losses: { a: nl(1), b: nl(1) } });
    assert.equal(r.stageFraction, 0);
  });

  it('numbers epochs across stages so the loss chart runs on', () => {
    const events: TrainingEvent[] = [
      { type: 'stageStart', stage: 1, epochs: 2, stepsPerEpoch: 1 },
      { type: 'epoch', record: record(1, 1, [0.1, 0.2, 0.3]) },
      { type: 'epoch', record: record(1, 2, [0.2, 0.3, 0.4]) },
      { type: 'stageEnd', stage: 1, seconds: 6 },
      { type: 'stageStart', stage: 2, epochs: 1, stepsPerEpoch: 1 },
      { type: 'epoch', record: record(2, 1, [0.3, 0.4, 0.5]) },
    ];
    const r = reduceEvents(fresh(), events);
    assert.deepEqual(r.epochs.map((e) => [e.index, e.stage, e.epoch]), [[0, 1, 1], [1, 1, 2], [2, 2, 1]]);
    assert.deepEqual(finalScores(r).iou, [0.3, 0.4, 0.5]);
  });

  it('turns a growth record into one row per iteration', () => {
    const r = reduceRun(fresh(), { type: 'growth', record: { stage: 3, epoch: 1, iterations: [[5, 0, 1], [2, 0, 0]], addedTotal: 8, labelledPerClass: [10, 0, 3], labelledFraction: 0.1 } });
    assert.deepEqual(r.growth, [{ stage: 3, epoch: 1, iteration: 1, added: [5, 0, 1] }, { stage: 3, epoch: 1, iteration: 2, added: [2, 0, 0] }]);
    const t = reduceRun(fresh(), { type: 'growth', record: { stage: 3, epoch: 2, iterations: [[1, 2, 3]], addedTotal: 6, labelledPerClass: [1, 2, 3], labelledFraction: 0.1, thresholds: [0.9, 0.7, 0.5] } });
    assert.deepEqual(t.growth, [{ stage: 3, epoch: 2, iteration: 1, added: [1, 2, 3], thresholds: [0.9, 0.7, 0.5] }]);
  });

  it('ends done, cancelled or failed, and keeps warnings but not info logs', () => {
    const summary = { stagesCompleted: [1] as (1 | 2 | 3)[], checkpoint: null, epochs: [], seconds: 1 };
    assert.equal(reduceRun(fresh(), { type: 'done', summary: { ...summary, status: 'completed' } }).status, 'done');
    const stopped = reduceRun(fresh(), { type: 'done', summary: { ...summary, status: 'cancelled' } });
    assert.deepEqual([stopped.status, stopped.message], ['cancelled', 'stopped before the first epoch finished: no checkpoint']);
    const kept = reduceRun(fresh(), { type: 'done', summary: { ...summary, status: 'cancelled', checkpoint: '/run/checkpoint' } });
    assert.equal(kept.message, 'stopped; the last complete checkpoint is kept');
    const failed = reduceRun(fresh(), { type: 'error', message: 'boom', code: 'io' });
    assert.deepEqual([failed.status, failed.message], ['failed', 'boom']);
    assert.equal(reduceRun(fresh(), { type: 'log', level: 'info', message: 'hi' }).message, null);
    assert.equal(reduceRun(fresh(), { type: 'log', level: 'warn', message: 'careful' }).message, 'careful');
  });

  it('keeps notices as notes, one per topic, the latest of a topic in place of the earlier, at most MAX_NOTES', () => {
    const notice = (message: string) => ({ type: 'log' as const, level: 'notice' as const, message });
    let r = reduceRun(fresh(), notice('ordered units: top to bottom 0–9'));
    r = reduceRun(r, notice('pretraining: 10 epochs rebuilding the amplitude'));
    r = reduceRun(r, notice('pretraining epoch 1/10: reconstruction loss 0.5 / 0.5'));
    r = reduceRun(r, notice('pretraining epoch 2/10: reconstruction loss 0.4 / 0.4'));
    assert.deepEqual(r.notes, ['ordered units: top to bottom 0–9', 'pretraining: 10 epochs rebuilding the amplitude', 'pretraining epoch 2/10: reconstruction loss 0.4 / 0.4']);
    assert.equal(r.message, null, 'a notice is not a warning');
    assert.deepEqual(reduceRun(r, { type: 'log', level: 'info', message: 'x: y' }).notes, r.notes);
    // A continued run (stage 2 after stage 1) keeps them; a notice with no colon is its own topic.
    assert.deepEqual(continueRun(r, 'r2', 'stage 2').notes, r.notes);
    assert.equal(noteTopic('pretraining epoch 3/10: loss'), noteTopic('pretraining epoch 12/10: loss'));
    assert.notEqual(noteTopic('pretraining: 10 epochs'), noteTopic('pretraining epoch 1/10: loss'));
    let many = fresh();
    for (let k = 0; k < MAX_NOTES + 3; k++) many = reduceRun(many, notice(`topic ${String.fromCharCode(97 + k)}: fact`));
    assert.equal(many.notes?.length, MAX_NOTES);
    assert.equal(many.notes?.[MAX_NOTES - 1], `topic ${String.fromCharCode(97 + MAX_NOTES + 2)}: fact`, 'the newest kept, the oldest dropped');
    // A run stored before notes existed takes its first notice.
    const { notes: _drop, ...stored } = fresh();
    assert.deepEqual(reduceRun(stored, notice('ordered units: 0–9')).notes, ['ordered units: 0–9']);
  });

  it('returns the same object for events that change nothing (cheap re-render checks)', () => {
    const r = fresh();
    assert.equal(reduceRun(r, { type: 'checkpoint', path: '/x', stage: 1, epoch: 1 }), r);
    assert.equal(reduceRun(r, { type: 'log', level: 'info', message: 'x' }), r);
  });

  it('holds grown labels pending until accepted or discarded', () => {
    let r = withGrown(fresh(), 1234, 3);
    assert.deepEqual(r.grown, { addedPixels: 1234, sections: 3, decision: 'pending' });
    r = withGrownDecision(r, 'accepted');
    assert.equal(r.grown?.decision, 'accepted');
    assert.equal(withGrownDecision(fresh(), 'discarded').grown, null);
  });

  it('continues a run: curves carried on, status running, grown decision cleared', () => {
    const done = reduceRun(withGrown(reduceRun(fresh(), { type: 'epoch', record: record(1, 1, [0.1, 0.2, 0.3]) }), 5, 1), { type: 'done', summary: { status: 'completed', stagesCompleted: [1], checkpoint: null, epochs: [], seconds: 1 } });
    const next = continueRun(done, 'run-2', 'f3.sgy stage 2');
    assert.deepEqual([next.runId, next.status, next.epochs.length, next.grown], ['run-2', 'running', 1, null]);
  });

  it('compares final IoU of runs, using the last scored epoch of each', () => {
    const a = reduceRun(fresh(), { type: 'epoch', record: record(1, 1, [0.1, 0.2, 0.3]) });
    const b = reduceEvents({ ...fresh(), title: 'B' }, [
      { type: 'epoch', record: record(1, 1, [0.5, 0.6, 0.7]) },
      { type: 'epoch', record: record(1, 2, null) },
    ]);
    const c = compareRuns([a, b]);
    assert.deepEqual(c.classNames, ['a', 'b', 'c']);
    assert.deepEqual(c.runs.map((r) => [r.title, r.iou]), [['f3.sgy', [0.1, 0.2, 0.3]], ['B', [0.5, 0.6, 0.7]]]);
    assert.deepEqual(epochRow(record(1, 1, null), 7).iou, []);
  });
});
