import { HANDLE_EVENT_METADATA, HandleEvent, HandleEventMetadata } from './handle-event.decorator';

class Handlers {
  @HandleEvent('dmp.a.v1')
  async one(): Promise<string> {
    return 'one';
  }

  @HandleEvent('dmp.b.v1', { batch: true, maxBatchSize: 100 })
  @HandleEvent('dmp.c.v1', { schemaTopic: 'dmp.b.v1', inbox: false })
  async two(): Promise<string> {
    return 'two';
  }
}

function metadataOf(method: object): HandleEventMetadata[] {
  return Reflect.getMetadata(HANDLE_EVENT_METADATA, method) as HandleEventMetadata[];
}

describe(HandleEvent.name, () => {
  it('records the topic with per-message defaults', () => {
    expect(metadataOf(Handlers.prototype.one)).toEqual([
      { topic: 'dmp.a.v1', batch: false, maxBatchSize: 500, schemaTopic: 'dmp.a.v1', inbox: true },
    ]);
  });

  it('stacks several topics on one method, each with its options', () => {
    expect(metadataOf(Handlers.prototype.two)).toEqual(
      expect.arrayContaining([
        { topic: 'dmp.b.v1', batch: true, maxBatchSize: 100, schemaTopic: 'dmp.b.v1', inbox: true },
        { topic: 'dmp.c.v1', batch: false, maxBatchSize: 500, schemaTopic: 'dmp.b.v1', inbox: false },
      ]),
    );
  });
});
