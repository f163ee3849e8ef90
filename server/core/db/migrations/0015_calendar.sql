CREATE TABLE "calendar_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"space_id" uuid NOT NULL,
	"post_id" uuid NOT NULL,
	"split_from" uuid,
	"created_by" uuid,
	"title" text NOT NULL,
	"description_markdown" text DEFAULT '' NOT NULL,
	"time_zone" text NOT NULL,
	"all_day" boolean DEFAULT false NOT NULL,
	"start_local" text NOT NULL,
	"end_local" text NOT NULL,
	"starts_at" timestamp (3) with time zone NOT NULL,
	"series_ends_at" timestamp (3) with time zone,
	"recurrence" jsonb,
	"location_address" text,
	"online_url" text,
	"category_name" text,
	"category_color" text,
	"capacity" integer,
	"max_guests" integer DEFAULT 0 NOT NULL,
	"approval" boolean DEFAULT false NOT NULL,
	"rsvp_deadline_minutes" integer,
	"offer_window_minutes" integer DEFAULT 1440 NOT NULL,
	"attendees_visible_to" text DEFAULT 'members' NOT NULL,
	"online_link_visible_to" text DEFAULT 'members' NOT NULL,
	"reminder_minutes" integer[] DEFAULT '{1440}'::integer[] NOT NULL,
	"network_wide" boolean DEFAULT false NOT NULL,
	"cancelled_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_events_post_id_unique" UNIQUE("post_id")
);
--> statement-breakpoint
CREATE TABLE "calendar_feed_tokens" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_feed_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "calendar_occurrences" (
	"event_id" uuid NOT NULL,
	"occurrence_key" text NOT NULL,
	"cancelled_at" timestamp (3) with time zone,
	"start_local" text,
	"end_local" text,
	"title" text,
	"description_markdown" text,
	"location_address" text,
	"online_url" text,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_occurrences_event_id_occurrence_key_pk" PRIMARY KEY("event_id","occurrence_key")
);
--> statement-breakpoint
CREATE TABLE "calendar_reminder_choices" (
	"event_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"minutes" integer[] NOT NULL,
	CONSTRAINT "calendar_reminder_choices_event_id_user_id_pk" PRIMARY KEY("event_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "calendar_reminders_sent" (
	"event_id" uuid NOT NULL,
	"occurrence_key" text NOT NULL,
	"user_id" uuid NOT NULL,
	"minutes" integer NOT NULL,
	"sent_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_reminders_sent_event_id_occurrence_key_user_id_minutes_pk" PRIMARY KEY("event_id","occurrence_key","user_id","minutes")
);
--> statement-breakpoint
CREATE TABLE "calendar_rsvps" (
	"event_id" uuid NOT NULL,
	"occurrence_key" text NOT NULL,
	"user_id" uuid NOT NULL,
	"status" text NOT NULL,
	"guests" integer DEFAULT 0 NOT NULL,
	"queued_at" timestamp with time zone,
	"offer_expires_at" timestamp (3) with time zone,
	"checked_in_at" timestamp (3) with time zone,
	"responded_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_rsvps_event_id_occurrence_key_user_id_pk" PRIMARY KEY("event_id","occurrence_key","user_id")
);
--> statement-breakpoint
ALTER TABLE "calendar_events" ADD CONSTRAINT "calendar_events_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_events" ADD CONSTRAINT "calendar_events_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_events" ADD CONSTRAINT "calendar_events_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_feed_tokens" ADD CONSTRAINT "calendar_feed_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_occurrences" ADD CONSTRAINT "calendar_occurrences_event_id_calendar_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."calendar_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_reminder_choices" ADD CONSTRAINT "calendar_reminder_choices_event_id_calendar_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."calendar_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_reminder_choices" ADD CONSTRAINT "calendar_reminder_choices_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_reminders_sent" ADD CONSTRAINT "calendar_reminders_sent_event_id_calendar_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."calendar_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_reminders_sent" ADD CONSTRAINT "calendar_reminders_sent_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_rsvps" ADD CONSTRAINT "calendar_rsvps_event_id_calendar_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."calendar_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_rsvps" ADD CONSTRAINT "calendar_rsvps_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calendar_events_space_idx" ON "calendar_events" USING btree ("space_id","starts_at");--> statement-breakpoint
CREATE INDEX "calendar_events_network_idx" ON "calendar_events" USING btree ("starts_at") WHERE "calendar_events"."network_wide";--> statement-breakpoint
CREATE INDEX "calendar_rsvps_user_idx" ON "calendar_rsvps" USING btree ("user_id","status");--> statement-breakpoint
CREATE INDEX "calendar_rsvps_queue_idx" ON "calendar_rsvps" USING btree ("event_id","occurrence_key","status","queued_at");