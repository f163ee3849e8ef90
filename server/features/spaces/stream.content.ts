// Posts and comments as kinds of content (server/core/content/content-registry.ts): what
// moderation and the other cross-cutting features may ask of them, through the stream's own code.
import type { ContentDescription, ContentKind } from '../../core/content/content-registry';
import { visibilityStatesOf } from '../../core/content/visibility-states';
import type { Db } from '../../core/db/database';
import { comments, posts } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import { excerptText } from '../../core/plain-text';
import type { Actor } from '../accounts/actor';
import { accessReadableSpace } from './spaces.access';
import { loadComment, loadPost } from './stream.repository';
import type { StreamService } from './stream.service';

/** The post and comment kinds, for the app to register. */
export function streamContentKinds(deps: { db: Db; stream: Pick<StreamService, 'doModeratePost' | 'doModerateComment'> }): ContentKind<Actor>[] {
  const { db, stream } = deps;

  /** A kind that lives in a space: readable by whoever may read the space. */
  function inSpace(
    kind: ContentKind<Actor>['kind'],
    rest: Pick<ContentKind<Actor>, 'placeholder' | 'describe' | 'changeVisibility' | 'statesOf'>,
  ): ContentKind<Actor> {
    return {
      kind,
      noun: kind,
      ...rest,
      async accessForReader(actor, id) {
        const found = await rest.describe(id);
        if (!found) throw AppError.notFound(`No such ${kind}`);
        if (found.spaceId) await accessReadableSpace(db, actor, found.spaceId);
        return found;
      },
    };
  }

  const described = (row: { spaceId: string; authorId: string; bodyMarkdown: string }, link: string): ContentDescription => ({
    spaceId: row.spaceId,
    authorId: row.authorId,
    excerpt: excerptText(row.bodyMarkdown),
    link,
  });

  return [
    inSpace('post', {
      placeholder: { hidden: 'Hidden by the moderators', deleted: 'This post was deleted.' },
      async describe(id) {
        const found = await loadPost(db, id);
        return found && described(found.row, `/p/${id}`);
      },
      changeVisibility: (id, change) => stream.doModeratePost(id, change),
      statesOf: (ids) => visibilityStatesOf(db, posts, ids),
    }),
    inSpace('comment', {
      placeholder: { hidden: 'Hidden by the moderators', deleted: 'This comment was deleted.' },
      async describe(id) {
        const found = await loadComment(db, id);
        return found && described(found.row, `/p/${found.row.postId}`);
      },
      changeVisibility: (id, change) => stream.doModerateComment(id, change),
      statesOf: (ids) => visibilityStatesOf(db, comments, ids),
    }),
  ];
}
