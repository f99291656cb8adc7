import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadModel, modelFromDocument, saveModel } from '../../../ai/model-store';
import { trainSyntheticModel } from './synthetic';

describe('model store', () => {
  const model = trainSyntheticModel();
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-models-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('when a model is saved and loaded by id or by path, then it is the same model', async () => {
    // Act
    const file = await saveModel(model, dir);
    const byId = await loadModel(model.id, dir);
    const byPath = await loadModel(file);

    // Assert
    expect(path.basename(file)).toBe(`${model.id}.json`);
    for (const loaded of [byId, byPath]) {
      expect(loaded.id).toBe(model.id);
      expect(loaded.labels).toEqual(model.labels);
      expect(loaded.predict('track my package')).toEqual(model.predict('track my package'));
    }
  });

  it('when the stored form is a plain JSON document, then it loads from a database the same way', async () => {
    // Arrange
    const file = await saveModel(model, dir);
    const document: unknown = JSON.parse(await readFile(file, 'utf8'));

    // Act
    const loaded = modelFromDocument(document);

    // Assert
    expect(loaded.toJSON()).toEqual(model.toJSON());
  });

  it('when the model does not exist, then loading says where it looked', async () => {
    await expect(loadModel('missing-model', dir)).rejects.toThrow(`no model at ${path.join(dir, 'missing-model.json')}`);
  });

  it('when an id tries to leave the models folder or a file is not a model, then loading refuses', async () => {
    // Arrange
    const bogus = path.join(dir, 'bogus.json');
    await writeFile(bogus, JSON.stringify({ id: 'bogus', labels: [] }));

    // Act / Assert
    await expect(loadModel('..', dir)).rejects.toThrow('not a model id');
    await expect(loadModel(bogus)).rejects.toThrow(/not a model version/);
  });
});
