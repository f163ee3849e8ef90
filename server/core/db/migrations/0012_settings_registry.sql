CREATE TABLE "settings" (
	"scope" text NOT NULL,
	"scope_id" text DEFAULT '' NOT NULL,
	"key" text NOT NULL,
	"value" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "settings_scope_scope_id_key_pk" PRIMARY KEY("scope","scope_id","key"),
	CONSTRAINT "settings_scope_id" CHECK (("settings"."scope" = 'site') = ("settings"."scope_id" = ''))
);
--> statement-breakpoint
-- Data: the two single-row settings tables move into "settings" (decision 013), their columns
-- becoming the camelCase fields of the registry's groups. Welcome's null texts meant "the built-in
-- text": they are left out, so the defaults of the running version fill them in.
INSERT INTO "settings" ("scope", "scope_id", "key", "value")
SELECT 'site', '', 'welcome', jsonb_strip_nulls(jsonb_build_object(
	'botEnabled', "bot_enabled",
	'welcomeSpaceId', "welcome_space_id",
	'postTemplate', "post_template",
	'messageTemplate', "message_template",
	'emailEnabled', "email_enabled",
	'emailSubject', "email_subject",
	'emailTemplate', "email_template",
	'managerName', "manager_name"
))
FROM "welcome_settings" WHERE "id" = 1;--> statement-breakpoint
INSERT INTO "settings" ("scope", "scope_id", "key", "value", "updated_at")
SELECT 'site', '', 'moderation', jsonb_build_object(
	'wordList', to_jsonb("word_list"),
	'autoHide', "auto_hide",
	'escalateAfterMinutes', "escalate_after_minutes",
	'safeguardingContactIds', to_jsonb("safeguarding_contact_ids"),
	'helpMarkdown', "help_markdown"
), "updated_at"
FROM "moderation_settings" WHERE "id" = 1;--> statement-breakpoint
DROP TABLE "welcome_settings" CASCADE;--> statement-breakpoint
DROP TABLE "moderation_settings" CASCADE;
