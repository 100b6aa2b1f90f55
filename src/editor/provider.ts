// The custom editor provider (vscode-hexeditor: the document owns data and edits, the provider owns webviews).
// Several panels of one document stay in sync through the document's events; each panel has its own EditorSession.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { openVolume } from '../io/volume';
import { SeisGrowError } from '../shared/errors';
import { EditorSession } from './editorSession';
import { SeisGrowDocumentModel } from './seisgrowDocument';
import { editorHtml } from './webviewHtml';
import { sidecarPathsFor } from './labelSidecar';

/** The custom editor's view type (package.json contributes.customEditors). */
export const SEISMIC_EDITOR_VIEW_TYPE = 'seisgrow.seismicEditor';

/** The vscode.CustomDocument wrapper around the vscode-free document model. */
export class SeisGrowDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri, readonly model: SeisGrowDocumentModel) {}

  /** Called by VS Code when the last editor of the document closes. */
  dispose(): void {
    void this.model.dispose();
  }
}

/** Opens and tracks seismic documents; the training side finds the document to work on here. */
export class SeisGrowEditorProvider implements vscode.CustomEditorProvider<SeisGrowDocument> {
  private readonly onDidChangeCustomDocumentEmitter = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<SeisGrowDocument>>();
  /** Each edit, with undo/redo closures, so VS Code keeps the undo stack and the dirty marker. */
  readonly onDidChangeCustomDocument = this.onDidChangeCustomDocumentEmitter.event;
  private readonly onDidChangeActiveEmitter = new vscode.EventEmitter<SeisGrowDocument | undefined>();
  /** The document of the focused seismic editor changed (undefined when none is focused). */
  readonly onDidChangeActiveDocument = this.onDidChangeActiveEmitter.event;
  private readonly panels = new Map<SeisGrowDocument, Set<vscode.WebviewPanel>>();
  private active: SeisGrowDocument | undefined;
  private backupSequence = 0;
  /** The latest backup file written for each document. */
  private readonly liveBackups = new Map<SeisGrowDocument, vscode.Uri>();
  /** The backup a document was restored from (removed once it is no longer needed). */
  private readonly restoredBackups = new Map<SeisGrowDocument, vscode.Uri>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly log: vscode.LogOutputChannel) {}

  /** Register the provider; returns it so other parts (training) can reach the open documents. */
  static register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): SeisGrowEditorProvider {
    const provider = new SeisGrowEditorProvider(context.extensionUri, log);
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(SEISMIC_EDITOR_VIEW_TYPE, provider, {
        // Hidden panels keep their canvas and cache, so switching tabs does not refetch sections.
        webviewOptions: { retainContextWhenHidden: true },
        supportsMultipleEditorsPerDocument: true,
      }),
      provider.onDidChangeCustomDocumentEmitter,
      provider.onDidChangeActiveEmitter,
    );
    return provider;
  }

  /** Every open seismic document. */
  get documents(): readonly SeisGrowDocument[] {
    return [...this.panels.keys()];
  }

  /** The document of the focused seismic editor, or the only open one. */
  get activeDocument(): SeisGrowDocument | undefined {
    if (this.active) return this.active;
    const all = this.documents;
    return all.length === 1 ? all[0] : undefined;
  }

  /** The open document for a file, if any. */
  documentFor(uri: vscode.Uri): SeisGrowDocument | undefined {
    return this.documents.find((d) => d.uri.toString() === uri.toString());
  }

  async openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext, _token: vscode.CancellationToken): Promise<SeisGrowDocument> {
    const cacheMB = vscode.workspace.getConfiguration('seisgrow.editor').get<number>('sectionCacheMB', 256);
    const opener = async (path: string) => {
      if (uri.scheme !== 'file') throw new SeisGrowError('not-local', `SeisGrow reads files on disk only, not ${uri.scheme}: resources`, uri.toString());
      return openVolume(path, { cacheBytes: Math.max(16, cacheMB) * 1024 * 1024 });
    };
    let backup: { bytes: Uint8Array; file: string } | undefined;
    if (openContext.backupId) {
      const backupUri = vscode.Uri.parse(openContext.backupId);
      try {
        backup = { bytes: await vscode.workspace.fs.readFile(backupUri), file: backupUri.toString() };
      } catch (e) {
        this.log.warn(`backup ${openContext.backupId} could not be read: ${(e as Error).message}`);
      }
    }
    let model: SeisGrowDocumentModel;
    try {
      model = await SeisGrowDocumentModel.open(uri.fsPath, { openVolume: opener, backup });
    } catch (e) {
      // A damaged backup must not stop the file from opening: open it without the backup and say so.
      this.log.error(`restoring the backup of ${uri.fsPath} failed: ${(e as Error).message}`);
      void vscode.window.showWarningMessage(`SeisGrow could not restore unsaved labels of ${basename(uri.fsPath)}: ${(e as Error).message}`);
      model = await SeisGrowDocumentModel.open(uri.fsPath, { openVolume: opener });
    }
    if (model.openError) this.log.warn(`cannot read ${uri.fsPath}: ${model.openError.message}`);
    if (model.labelsProblem) this.log.warn(model.labelsProblem.message);
    const document = new SeisGrowDocument(uri, model);
    if (backup && model.isDirty) this.restoredBackups.set(document, vscode.Uri.parse(backup.file));
    model.onDidEdit((edit) => {
      this.onDidChangeCustomDocumentEmitter.fire({
        document, label: edit.label,
        undo: () => model.undo(edit),
        redo: () => model.redo(edit),
      });
    });
    return document;
  }

  async resolveCustomEditor(document: SeisGrowDocument, panel: vscode.WebviewPanel, _token: vscode.CancellationToken): Promise<void> {
    const webview = panel.webview;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    webview.html = editorHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'editor.css')).toString(),
      title: basename(document.uri.fsPath),
    });
    let set = this.panels.get(document);
    if (!set) this.panels.set(document, (set = new Set()));
    set.add(panel);
    const name = basename(document.uri.fsPath);
    const session = new EditorSession(document.model, {
      post: (message) => { void webview.postMessage(message); },
      log: (line) => this.log.info(`${name}: ${line}`),
      openAsText: () => { void vscode.commands.executeCommand('vscode.openWith', document.uri, 'default', panel.viewColumn); },
      showError: (message) => { void vscode.window.showErrorMessage(message); },
    });
    const subscriptions = [
      webview.onDidReceiveMessage((message: unknown) => session.handle(message)),
      panel.onDidChangeViewState(() => this.setActive(panel.active ? document : this.active === document ? undefined : this.active)),
    ];
    if (panel.active) this.setActive(document);
    panel.onDidDispose(() => {
      session.dispose();
      for (const s of subscriptions) s.dispose();
      set!.delete(panel);
      if (set!.size === 0) {
        this.panels.delete(document);
        if (this.active === document) this.setActive(undefined);
      }
    });
  }

  private setActive(document: SeisGrowDocument | undefined): void {
    if (this.active === document) return;
    this.active = document;
    this.onDidChangeActiveEmitter.fire(document);
  }

  async saveCustomDocument(document: SeisGrowDocument, _token: vscode.CancellationToken): Promise<void> {
    document.model.save();
    this.dropBackups(document);
    this.log.info(`saved labels of ${document.uri.fsPath} to ${document.model.sidecar.labels}`);
  }

  async saveCustomDocumentAs(document: SeisGrowDocument, destination: vscode.Uri, _token: vscode.CancellationToken): Promise<void> {
    if (destination.scheme !== 'file') throw new Error(`SeisGrow saves to files on disk only, not ${destination.scheme}: resources`);
    document.model.saveAs(destination.fsPath);
    this.log.info(`saved ${document.uri.fsPath} as ${destination.fsPath} (labels: ${sidecarPathsFor(destination.fsPath).labels})`);
  }

  async revertCustomDocument(document: SeisGrowDocument, _token: vscode.CancellationToken): Promise<void> {
    document.model.revert();
    this.dropBackups(document);
  }

  async backupCustomDocument(document: SeisGrowDocument, context: vscode.CustomDocumentBackupContext, _token: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    // Compact: only the voxels the unsaved edits touched, with their current values, and the palette.
    // Each backup gets its own file: VS Code may hand out the same destination again, and deletes the previous backup
    // only after the new one is made, which must not remove the new file.
    const target = context.destination.with({ path: `${context.destination.path}-${++this.backupSequence}.sgbackup` });
    await vscode.workspace.fs.writeFile(target, document.model.backupBytes());
    const previous = this.liveBackups.get(document);
    this.liveBackups.set(document, target);
    if (previous && previous.toString() !== target.toString()) this.deleteQuietly(previous);
    const restored = this.restoredBackups.get(document);
    if (restored) { this.restoredBackups.delete(document); this.deleteQuietly(restored); }
    return {
      id: target.toString(),
      delete: () => {
        // The web workbench also disposes documents when the page unloads: a dirty document's backup must survive
        // that, or hot exit has nothing to restore. It is removed once superseded, saved or reverted.
        if (document.model.isDirty && this.liveBackups.get(document)?.toString() === target.toString()) return;
        this.deleteQuietly(target);
      },
    };
  }

  private deleteQuietly(uri: vscode.Uri): void {
    void vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
  }

  /** After a save or revert nothing unsaved remains: the document's backup files can go. */
  private dropBackups(document: SeisGrowDocument): void {
    const live = this.liveBackups.get(document);
    if (live) { this.liveBackups.delete(document); this.deleteQuietly(live); }
    const restored = this.restoredBackups.get(document);
    if (restored) { this.restoredBackups.delete(document); this.deleteQuietly(restored); }
  }

  /** Save the active document's labels to a chosen `.labels.npy` (later saves go there too). */
  async saveLabelsAs(): Promise<void> {
    const document = this.activeDocument;
    if (!document) { void vscode.window.showInformationMessage('Open a seismic volume in the SeisGrow editor first.'); return; }
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(document.model.sidecar.labels),
      filters: { 'SeisGrow labels': ['npy'] },
      title: 'Save labels as',
    });
    if (!target) return;
    const path = target.fsPath.endsWith('.labels.npy') ? target.fsPath : `${target.fsPath.replace(/\.npy$/, '')}.labels.npy`;
    document.model.retargetSidecar(path);
    // Through VS Code's save when dirty, so its dirty marker and undo save point follow.
    if (document.model.isDirty) await vscode.commands.executeCommand('workbench.action.files.save');
    else document.model.save();
    void vscode.window.showInformationMessage(`Labels saved to ${path}; later saves go there.`);
  }
}
