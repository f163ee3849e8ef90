CREATE TABLE "emails" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"user_id" uuid,
	"to_address" text NOT NULL,
	"subject" text NOT NULL,
	"text_body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"next_attempt_at" timestamp (3) with time zone DEFAULT now(),
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "welcome_settings" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"bot_enabled" boolean DEFAULT true NOT NULL,
	"welcome_space_id" uuid,
	"post_template" text,
	"message_template" text,
	"email_enabled" boolean DEFAULT true NOT NULL,
	"email_subject" text,
	"email_template" text,
	"manager_name" text,
	CONSTRAINT "welcome_settings_single_row" CHECK ("welcome_settings"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE "spaces" ADD COLUMN "welcome_markdown" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "spaces" ADD COLUMN "welcome_bot" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "emails" ADD CONSTRAINT "emails_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "welcome_settings" ADD CONSTRAINT "welcome_settings_welcome_space_id_spaces_id_fk" FOREIGN KEY ("welcome_space_id") REFERENCES "public"."spaces"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "emails_due_idx" ON "emails" USING btree ("next_attempt_at") WHERE "emails"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "emails_created_idx" ON "emails" USING btree ("created_at");