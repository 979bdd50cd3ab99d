// The names the Rust side registers its commands and emits its events under. A name is
// spelled once, here; `commands.test.ts` checks this list against the handler list, the
// build script's declarations and the window's capability, so a command missing from any
// of them fails the tests rather than the app at run time.

export const COMMANDS = {
  listPortraits: "list_portraits",
  importPortrait: "import_portrait",
  deletePortrait: "delete_portrait",
  keepPortrait: "keep_portrait",
  portraitImageCount: "portrait_image_count",

  consentStatus: "consent_status",
  recordConsent: "record_consent",
  consentHistory: "consent_history",
  withdrawConsent: "withdraw_consent",
  withdrawPurpose: "withdraw_purpose",

  appInfo: "app_info",
  youthfulAge: "youthful_age",
  setYouthfulAge: "set_youthful_age",

  listStyles: "list_styles",
  styleThumbnails: "style_thumbnails",
  portraitFacing: "portrait_facing",
  framingFits: "framing_fits",
  enqueuePreview: "enqueue_preview",
  enqueueHd: "enqueue_hd",
  importStylePicture: "import_style_picture",
  studioChoices: "studio_choices",
  setStudioChoices: "set_studio_choices",

  listJobs: "list_jobs",
  cancelJob: "cancel_job",
  retryJob: "retry_job",

  listOutputs: "list_outputs",
  getOutput: "get_output",
  setFavourite: "set_favourite",
  deleteOutput: "delete_output",

  exportOutputs: "export_outputs",
  defaultExportFolder: "default_export_folder",
  showInFolder: "show_in_folder",
  pickFolder: "pick_folder",

  retention: "retention",
  setRetention: "set_retention",
  privacyInventory: "privacy_inventory",
  listModerationRecords: "list_moderation_records",
  deleteModerationRecord: "delete_moderation_record",
  listStylePictures: "list_style_pictures",
  deleteStylePicture: "delete_style_picture",
  exportEverything: "export_everything",
  beginArchiveUpload: "begin_archive_upload",
  appendArchiveUpload: "append_archive_upload",
  importArchive: "import_archive",
  deleteEverything: "delete_everything",

  cloudStatus: "cloud_status",
  enableCloud: "enable_cloud",
  disableCloud: "disable_cloud",
  cloudPacks: "cloud_packs",
  cloudBalance: "cloud_balance",
  cloudLedger: "cloud_ledger",
  cloudReceipts: "cloud_receipts",
  buyPack: "buy_pack",
  hdChoices: "hd_choices",
  enqueueCloudHd: "enqueue_cloud_hd",
  buyPackInBrowser: "buy_pack_in_browser",
  cloudOrder: "cloud_order",
  takeLinkOutcome: "take_link_outcome",
} as const;

export type Command = (typeof COMMANDS)[keyof typeof COMMANDS];

export const EVENTS = {
  importProgress: "import-progress",
  jobEvent: "job-event",
  linkOpened: "link-opened",
} as const;

export type EventName = (typeof EVENTS)[keyof typeof EVENTS];
