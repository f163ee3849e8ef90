// A small, lived-in network for the experience audit (test/e2e/experience.e2e.ts) and the README's
// screenshots (scripts/screenshots.ts): an admin who hosts a space, three members, a public space
// with posts (line breaks kept), comments and a chat, a second space hosted by someone else, a
// private space, a direct conversation, an open moderation case, a closed one and the notice it
// sent. Everything goes through the public API, as the client does.
import type { Conversation, Message } from '../../../shared/api/chat.routes';
import type { Space } from '../../../shared/api/spaces.routes';
import { createMember, type Member } from '../../support/members';

/** The language the members write in: the French walk needs content that is not English. */
export type DemoLanguage = 'en' | 'fr';

export interface Demo {
  /** The network's first account: an admin, and the host of `garden`. */
  admin: Member;
  ada: Member;
  bea: Member;
  cy: Member;
  /** Public, open; hosted by the admin; posts, comments and a chat. */
  garden: Space;
  /** Public; hosted by Ada; the admin is a member. */
  repair: Space;
  /** Private; hosted by the admin. */
  organisers: Space;
  /** A post in `garden` with comments and a body of several lines. */
  postId: string;
  /** The admin's direct conversation with Ada. */
  conversationId: string;
  /** Words that appear in the content: a search for this finds posts. */
  searchWord: string;
  /** Texts the pages show once their content has loaded (written by members, the same in every UI language). */
  texts: {
    gardenPost: string;
    repairPost: string;
    comment: string;
    chatMessage: string;
    directMessage: string;
    reportedPost: string;
    guidelines: string;
  };
}

const words = {
  en: {
    guidelines:
      '# How we look after each other\n\nBe kind, assume good faith, and keep what people tell you in confidence.\n\nNo selling, no harassment, no sharing of other people’s addresses.',
    gardenName: 'Community garden',
    gardenDescription: 'Allotments, seed swaps and compost',
    repairName: 'Repair Café',
    repairDescription: 'Bring it broken, take it home fixed',
    organisersName: 'Organisers',
    organisersDescription: 'Planning the autumn fair',
    posts: [
      'Seed swap on Saturday at the allotments.\nBring labelled envelopes.\nTea and biscuits provided.',
      'The compost bins by the gate are full — please use the ones behind the shed for now.',
      'Who has a spare wheelbarrow we could borrow next week?',
    ],
    comment: 'I will bring tomato and courgette seeds from last summer.',
    commentReply: 'Lovely, I have runner beans to swap.',
    repairPost: 'Next session is on the 14th: lamps, toasters and bicycles welcome.',
    offending: 'Buy cheap watches at my shop, best prices in town!',
    spam: 'Everyone who leaves tools out deserves to lose them.',
    chat: ['Morning all! Is the gate code still the same?', 'Yes, same as last month.', 'Thanks, see you at ten.'],
    direct: ['Could you open the shed on Saturday?', 'Of course, I will be there from nine.'],
    searchWord: 'compost',
    reportNote: 'Selling again, in the garden space.',
    warnReason: 'Please keep adverts out of the spaces.',
    privatePost: 'Draft programme for the autumn fair is in the shared folder.',
  },
  fr: {
    guidelines:
      '# Prendre soin les uns des autres\n\nSoyez bienveillants, présumez la bonne foi et gardez pour vous ce qu’on vous confie.\n\nPas de vente, pas de harcèlement, pas d’adresses d’autrui partagées.',
    gardenName: 'Jardin partagé',
    gardenDescription: 'Parcelles, trocs de graines et compost',
    repairName: 'Atelier réparation',
    repairDescription: 'Apportez-le cassé, repartez avec réparé',
    organisersName: 'Organisation',
    organisersDescription: 'Préparer la fête d’automne',
    posts: [
      'Troc de graines samedi aux parcelles.\nApportez des enveloppes étiquetées.\nThé et biscuits offerts.',
      'Les bacs à compost près du portail sont pleins : utilisez ceux derrière la cabane pour le moment.',
      'Qui aurait une brouette à nous prêter la semaine prochaine ?',
    ],
    comment: 'J’apporterai des graines de tomates et de courgettes de l’été dernier.',
    commentReply: 'Très bien, j’ai des haricots à échanger.',
    repairPost: 'Prochaine séance le 14 : lampes, grille-pain et vélos bienvenus.',
    offending: 'Achetez des montres pas chères dans ma boutique, meilleurs prix du quartier !',
    spam: 'Ceux qui laissent traîner leurs outils méritent de les perdre.',
    chat: ['Bonjour à tous ! Le code du portail est toujours le même ?', 'Oui, le même que le mois dernier.', 'Merci, à dix heures alors.'],
    direct: ['Pourrais-tu ouvrir la cabane samedi ?', 'Bien sûr, je serai là dès neuf heures.'],
    searchWord: 'compost',
    reportNote: 'Encore de la vente, dans le jardin.',
    warnReason: 'Merci de ne pas publier de publicités dans les espaces.',
    privatePost: 'Le programme provisoire de la fête est dans le dossier partagé.',
  },
} as const;

async function ok<T>(what: string, answer: Promise<{ status: number; body: T }>, expected = [200, 201]): Promise<T> {
  const { status, body } = await answer;
  if (!expected.includes(status)) throw new Error(`demo content: ${what} answered ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Posts through the socket, as the composer does; answers the post's id. */
async function post(member: Member, spaceId: string, bodyMarkdown: string, tags: string[] = []): Promise<string> {
  const socket = await member.connect();
  try {
    const answer = await socket.emitWithAck('post:create', { spaceId, bodyMarkdown, tags });
    if (!('data' in answer)) throw new Error(`demo content: post:create failed: ${JSON.stringify(answer)}`);
    return answer.data.id;
  } finally {
    socket.close();
  }
}

async function comment(member: Member, postId: string, bodyMarkdown: string, parentId?: string): Promise<string> {
  const socket = await member.connect();
  try {
    const answer = await socket.emitWithAck('comment:create', { postId, bodyMarkdown, ...(parentId ? { parentId } : {}) });
    if (!('data' in answer)) throw new Error(`demo content: comment:create failed: ${JSON.stringify(answer)}`);
    return answer.data.id;
  } finally {
    socket.close();
  }
}

let sent = 0;
async function say(member: Member, conversationId: string, bodyMarkdown: string): Promise<Message> {
  sent += 1;
  return ok(
    'sending a chat message',
    member.call<Message>('POST', `/api/v1/chat/conversations/${conversationId}/messages`, { clientId: `demo-${process.pid}-${sent}`, bodyMarkdown }),
  );
}

/**
 * Fills a fresh network (no account yet) with the demo. `onAdmin` runs right after the admin's
 * account exists and before anything is written for them (the French walk sets their language there).
 */
export async function seedDemo(
  baseUrl: string,
  options: { language?: DemoLanguage; onAdmin?: (admin: Member) => Promise<void> } = {},
): Promise<Demo> {
  const w = words[options.language ?? 'en'];
  // Members who write in French sign up from a French browser: the mail the server writes them at once (the address to confirm) is in French.
  const browserLanguage = options.language === 'fr' ? 'fr-FR,fr;q=0.9' : undefined;
  const admin = await createMember(baseUrl, { handle: 'rosa', displayName: 'Rosa Martínez', email: 'rosa@example.org', browserLanguage });
  if (admin.user.role !== 'admin') throw new Error('demo content needs a fresh network: its first account is the admin');
  await options.onAdmin?.(admin);

  // The admins' own guidelines, in the members' language; the admin accepts them again.
  const version = await ok<{ version: number }>('publishing guidelines', admin.call('POST', '/api/v1/admin/guidelines', { bodyMarkdown: w.guidelines }));
  await ok('accepting the guidelines', admin.call('POST', '/api/v1/guidelines/accept', { version: version.version, confirmAge: true }));
  await admin.refreshSession();

  const ada = await createMember(baseUrl, { handle: 'ada', displayName: 'Ada Okafor', browserLanguage });
  const bea = await createMember(baseUrl, { handle: 'bea', displayName: 'Béatrice Lemaire', browserLanguage });
  const cy = await createMember(baseUrl, { handle: 'cyrus', displayName: 'Cyrus Haddad', browserLanguage });

  const garden = await ok<Space>(
    'creating the garden space',
    admin.call('POST', '/api/v1/spaces', { name: w.gardenName, slug: 'garden', description: w.gardenDescription, visibility: 'public', joinPolicy: 'open', color: '#15803d' }),
  );
  const repair = await ok<Space>(
    'creating the repair space',
    ada.call('POST', '/api/v1/spaces', { name: w.repairName, slug: 'repair', description: w.repairDescription, visibility: 'public', joinPolicy: 'open', color: '#1d4ed8' }),
  );
  const organisers = await ok<Space>(
    'creating the private space',
    admin.call('POST', '/api/v1/spaces', { name: w.organisersName, slug: 'organisers', description: w.organisersDescription, visibility: 'private', joinPolicy: 'invite' }),
  );
  for (const member of [ada, bea, cy]) await ok('joining the garden', member.call('POST', `/api/v1/spaces/${garden.id}/join`));
  for (const member of [admin, bea, cy]) await ok('joining the repair café', member.call('POST', `/api/v1/spaces/${repair.id}/join`));
  await ok('inviting Ada to the private space', admin.call('POST', `/api/v1/spaces/${organisers.id}/members`, { handle: 'ada' }));

  const postId = await post(admin, garden.id, w.posts[0], ['seeds']);
  await post(ada, garden.id, w.posts[1]);
  await post(bea, garden.id, w.posts[2]);
  const reported = await post(cy, garden.id, w.spam);
  const commentId = await comment(bea, postId, w.comment);
  await comment(ada, postId, w.commentReply, commentId);
  const offending = await post(cy, repair.id, w.offending);
  await post(ada, repair.id, w.repairPost);
  await post(admin, organisers.id, w.privatePost);

  const gardenChat = await ok<Conversation>('reading the garden chat', admin.call('GET', `/api/v1/spaces/${garden.id}/chat`));
  await say(ada, gardenChat.id, w.chat[0]);
  await say(admin, gardenChat.id, w.chat[1]);
  await say(bea, gardenChat.id, w.chat[2]);

  const direct = await ok<Conversation>('starting a direct conversation', admin.call('POST', '/api/v1/chat/conversations', { handles: ['ada'] }));
  await say(ada, direct.id, w.direct[0]);
  await say(admin, direct.id, w.direct[1]);

  // Moderation: the admin reports an advert in Ada's space and Ada warns its author (a closed
  // case, a log entry and a notice to the admin); Bea reports a post in the garden (an open case).
  await ok('reporting the advert', admin.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: offending, reason: 'spam', note: w.reportNote }));
  const adaQueue = await ok<{ items: { id: string; targetId: string }[] }>('reading Ada’s queue', ada.call('GET', '/api/v1/moderation/cases'));
  const advertCase = adaQueue.items.find((c) => c.targetId === offending);
  if (!advertCase) throw new Error('demo content: the advert’s case is not in its host’s queue');
  await ok('taking the case', ada.call('POST', `/api/v1/moderation/cases/${advertCase.id}/take`, {}));
  await ok('warning the author', ada.call('POST', `/api/v1/moderation/cases/${advertCase.id}/actions`, { action: 'warn', reason: w.warnReason }));
  await ok('reporting the garden post', bea.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: reported, reason: 'harassment', note: '' }));

  return {
    admin,
    ada,
    bea,
    cy,
    garden,
    repair,
    organisers,
    postId,
    conversationId: direct.id,
    searchWord: w.searchWord,
    texts: {
      gardenPost: w.posts[1],
      repairPost: w.repairPost,
      comment: w.comment,
      chatMessage: w.chat[2],
      directMessage: w.direct[0],
      reportedPost: w.spam,
      guidelines: w.guidelines.split('\n\n')[1]!,
    },
  };
}
