import type { Response } from 'express';
import { calendarRoutes } from '../../../shared/api/calendar.routes';
import type { RouteMounter } from '../../core/http/routes';
import { parseImageUpload, sendImage } from '../../core/images';
import type { Actor } from '../accounts/actor';
import type { CalendarService } from './calendar.service';

/** An iCalendar answer: the type calendar apps insist on, a file name, no caching of a private feed by proxies. */
function sendIcs(res: Response, file: { name: string; ics: string }, download: boolean, cache: 'private' | 'public') {
  const safe = file.name.replace(/[^\p{L}\p{N} _-]/gu, '').trim().slice(0, 60) || 'event';
  res
    .status(200)
    .set('Content-Type', 'text/calendar; charset=utf-8')
    .set('Content-Disposition', `${download ? 'attachment' : 'inline'}; filename="${encodeURIComponent(safe)}.ics"`)
    .set('Cache-Control', cache === 'public' ? 'public, max-age=300' : 'private, no-store')
    .send(file.ics);
}

const parseImage = parseImageUpload('image');

export function mountCalendarRoutes(router: RouteMounter<Actor>, deps: { calendar: CalendarService }): void {
  const { calendar } = deps;
  const r = calendarRoutes;
  router.mount(r.spaceCalendar, ({ actor, params, query }) => calendar.accessSpaceCalendar(actor, params.spaceId, query));
  router.mount(r.myCalendar, ({ actor, query }) => calendar.accessMyCalendar(actor, query));
  router.mount(r.createEvent, ({ actor, params, body }) => calendar.doCreateEvent(actor, params.spaceId, body));
  router.mount(r.importEvents, ({ actor, params, body }) => calendar.doImportIcs(actor, params.spaceId, body));
  router.mount(r.event, ({ actor, params, query }) => calendar.accessDetail(actor, params.eventId, query.occurrence));
  router.mount(r.eventsOfPosts, ({ actor, query }) => calendar.accessEventsOfPosts(actor, query.ids));
  router.mount(r.updateEvent, ({ actor, params, body }) => calendar.doUpdateEvent(actor, params.eventId, body));
  router.mount(r.cancelEvent, ({ actor, params, body }) => calendar.doCancelEvent(actor, params.eventId, body));
  router.mount(r.rsvp, ({ actor, params, body }) => calendar.doRsvp(actor, params.eventId, params.occurrence, body));
  router.mount(r.attendees, ({ actor, params }) => calendar.accessAttendees(actor, params.eventId, params.occurrence));
  router.mount(r.attendeesCsv, async ({ actor, params, res }) => {
    const csv = await calendar.accessAttendeesCsv(actor, params.eventId, params.occurrence);
    res.status(200).type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="attendees.csv"').set('Cache-Control', 'no-store').send(csv);
    return undefined;
  });
  router.mount(r.checkIn, ({ actor, params, body }) => calendar.doCheckIn(actor, params.eventId, params.occurrence, params.userId, body.checkedIn));
  router.mount(r.approveRsvp, ({ actor, params, body }) => calendar.doApprove(actor, params.eventId, params.occurrence, params.userId, body.approve));
  router.mount(r.myReminders, ({ actor, params, body }) => calendar.doSetReminders(actor, params.eventId, body.minutes));
  router.mount(r.eventIcs, async ({ actor, params, res }) => {
    sendIcs(res, await calendar.accessEventIcs(actor, params.eventId), true, 'private');
    return undefined;
  });
  router.mount(r.eventImage, async ({ actor, params, req, res }) => {
    sendImage(req, res, await calendar.accessImage(actor, params.eventId));
    return undefined;
  });
  router.mount(r.uploadEventImage, async ({ actor, params, req, res }) => {
    await parseImage(req, res);
    return calendar.doSetImage(actor, params.eventId, req.file);
  });
  router.mount(r.removeEventImage, ({ actor, params }) => calendar.doRemoveImage(actor, params.eventId));
  router.mount(r.spaceCalendarSettings, ({ actor, params }) => calendar.accessSpaceSettings(actor, params.spaceId));
  router.mount(r.updateSpaceCalendarSettings, ({ actor, params, body }) => calendar.doUpdateSpaceSettings(actor, params.spaceId, body));
  router.mount(r.feedToken, ({ actor }) => calendar.accessFeedToken(actor));
  router.mount(r.rotateFeedToken, ({ actor }) => calendar.doRotateFeedToken(actor));
  router.mount(r.revokeFeedToken, ({ actor }) => calendar.doRevokeFeedToken(actor));
  router.mount(r.spaceFeed, async ({ params, res }) => {
    sendIcs(res, await calendar.accessSpaceFeed(params.slug), false, 'public');
    return undefined;
  });
  router.mount(r.personalFeed, async ({ params, res }) => {
    sendIcs(res, await calendar.accessPersonalFeed(params.token), false, 'private');
    return undefined;
  });
}
