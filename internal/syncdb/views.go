package syncdb

// reportViews are views of the synced file that reports always need: every
// sender and recipient of a message as a row, and messages with the path of
// their folder. They use json_extract, not ->>, so that SQLite before 3.38
// (Python's, older ODBC drivers) can read them.
var reportViews = []string{
	`CREATE VIEW IF NOT EXISTS message_recipients AS
	SELECT m.user_id, m.id AS message_id, 'from' AS kind, m.from_name AS name, m.from_address AS address
	FROM messages m WHERE m.from_address IS NOT NULL
	UNION ALL
	SELECT m.user_id, m.id, k.kind, json_extract(r.value, '$.name'), json_extract(r.value, '$.address')
	FROM messages m
	JOIN (SELECT 'to' AS kind UNION ALL SELECT 'cc' UNION ALL SELECT 'bcc' UNION ALL SELECT 'reply_to') k
	JOIN json_each(CASE k.kind WHEN 'to' THEN m.to_recipients WHEN 'cc' THEN m.cc_recipients
	                           WHEN 'bcc' THEN m.bcc_recipients ELSE m.reply_to END) r`,
	`CREATE VIEW IF NOT EXISTS messages_in_folders AS
	SELECT f.path AS folder_path, m.*
	FROM messages m LEFT JOIN mail_folders f ON f.user_id = m.user_id AND f.id = m.parent_folder_id`,
}
