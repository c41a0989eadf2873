-- Rows for voip_exporter's vicidial tests, written by hand for the schema in
-- schema.sql. Times are relative to NOW() so that durations are known when the
-- rows are (re)loaded. The values each metric must show are derived, in the
-- tests, from ViciDial's own rules (www/vicidial/AST_timeonVDADall.php, the
-- Real-Time Main Report) applied to these rows.

-- Two active outbound campaigns (one records every call, one never) and an
-- inactive one.
INSERT INTO vicidial_campaigns (campaign_id, campaign_name, active, campaign_recording, adaptive_dropped_percentage) VALUES
 ('SALES',   'Outbound sales',  'Y', 'ALLFORCE', '3'),
 ('SURVEY',  'Customer survey', 'Y', 'NEVER',    '5'),
 ('OLDCAMP', 'Closed campaign', 'N', 'ALLCALLS', '3');

-- Two active in-groups (one whose recording is switched off) and an inactive one.
INSERT INTO vicidial_inbound_groups (group_id, group_name, active, ingroup_recording_override) VALUES
 ('SUPPORT', 'Support line', 'Y', 'DISABLED'),
 ('BILLING', 'Billing line', 'Y', 'NEVER'),
 ('OLDLINE', 'Old line',     'N', 'DISABLED');

-- Agents, as the agent screen leaves them (server_ip '' = a session that is
-- being torn down: not logged in).
INSERT INTO vicidial_live_agents (user, server_ip, conf_exten, extension, status, lead_id, campaign_id, uniqueid, callerid, channel, last_call_time, last_update_time, last_call_finish, closer_campaigns, comments, calls_today, last_state_change, pause_code, agent_log_id) VALUES
 ('agent001', '10.0.0.5', '8600051', 'SIP/1001', 'READY',  0,    'SALES',   '', '',                     '',                         NOW() - INTERVAL 400 SECOND, NOW(), NOW() - INTERVAL 30 SECOND,  ' SUPPORT -', 'AUTO',    12, NOW() - INTERVAL 30 SECOND,  '',      101),
 ('agent002', '10.0.0.5', '8600052', 'SIP/1002', 'CLOSER', 0,    'SALES',   '', '',                     '',                         NOW() - INTERVAL 500 SECOND, NOW(), NOW() - INTERVAL 45 SECOND,  ' SUPPORT -', 'INBOUND',  7, NOW() - INTERVAL 45 SECOND,  '',      102),
 ('agent003', '10.0.0.5', '8600053', 'SIP/1003', 'INCALL', 1001, 'SALES',   '1700000100.11', 'V1123000100000001001', 'SIP/carrier-00000011', NOW() - INTERVAL 120 SECOND, NOW(), NOW() - INTERVAL 900 SECOND, '',           'AUTO',    20, NOW() - INTERVAL 120 SECOND, '',      103),
 ('agent004', '10.0.0.5', '8600054', 'SIP/1004', 'INCALL', 1002, 'SALES',   '1700000200.12', 'V1123000200000001002', 'SIP/carrier-00000012', NOW() - INTERVAL 700 SECOND, NOW(), NOW() - INTERVAL 950 SECOND, '',           'AUTO',     9, NOW() - INTERVAL 300 SECOND, '',      104),
 ('agent005', '10.0.0.5', '8600055', 'SIP/1005', 'PAUSED', 0,    'SALES',   '', '',                     '',                         NOW() - INTERVAL 3000 SECOND, NOW(), NOW() - INTERVAL 600 SECOND, '',          'AUTO',     3, NOW() - INTERVAL 600 SECOND, 'LUNCH', 105),
 ('agent006', '10.0.0.5', '8600056', 'SIP/1006', 'PAUSED', 1003, 'SALES',   '', '',                     '',                         NOW() - INTERVAL 200 SECOND, NOW(), NOW() - INTERVAL 20 SECOND,  '',           'AUTO',     4, NOW() - INTERVAL 20 SECOND,  '',      106),
 ('ag"7\\x\n', '10.0.0.5', '8600057', 'SIP/1007', 'PAUSED', 0,    'SURVEY',  '', '',                     '',                         NOW() - INTERVAL 800 SECOND, NOW(), NOW() - INTERVAL 90 SECOND,  '',           'AUTO',     1, NOW() - INTERVAL 90 SECOND,  'B"\\\n', 107),
 ('agent008', '10.0.0.5', '8600058', 'SIP/1008', 'QUEUE',  1004, 'SALES',   '1700000400.14', 'V1123000400000001004', '',                NOW() - INTERVAL 5 SECOND,   NOW(), NOW() - INTERVAL 60 SECOND,  '',           'AUTO',     5, NOW() - INTERVAL 5 SECOND,   '',      108),
 ('agent009', '10.0.0.5', '8600059', 'SIP/1009', 'INCALL', 1005, 'SALES',   '1700000500.15', 'Y1123000500000001005', 'SIP/carrier-00000015', NOW() - INTERVAL 200 SECOND, NOW(), NOW() - INTERVAL 999 SECOND, ' SUPPORT -', 'INBOUND',  6, NOW() - INTERVAL 200 SECOND, '',      109),
 ('agent010', '10.0.0.5', '8600060', 'SIP/1010', 'INCALL', 1005, 'SALES',   '1700000500.15', 'Y1123000500000001005', 'SIP/carrier-00000015', NOW() - INTERVAL 50 SECOND,  NOW(), NOW() - INTERVAL 999 SECOND, ' SUPPORT -', 'INBOUND',  8, NOW() - INTERVAL 50 SECOND,  '',      110),
 ('agent011', '10.0.0.5', '8600061', 'SIP/1011', 'PAUSED', 0,    'SURVEY',  '', '',                     '',                         NOW() - INTERVAL 100 SECOND, NOW(), NOW() - INTERVAL 100 SECOND, '',          'AUTO',     2, NOW() - INTERVAL 75 SECOND,  '',      111),
 ('ghost',    '',         '8600062', 'SIP/1012', 'PAUSED', 0,    'SALES',   '', '',                     '',                         NOW() - INTERVAL 100 SECOND, NOW(), NOW() - INTERVAL 100 SECOND, '',          'AUTO',     0, NOW() - INTERVAL 100 SECOND, '',      112);

-- Calls the dialer is handling: agent003's (with the agent: XFER), agent009
-- and agent010's inbound call (CLOSER), three waiting for an agent (LIVE),
-- one in an IVR, three being dialed. agent004's call is gone: a dead call.
INSERT INTO vicidial_auto_calls (server_ip, campaign_id, status, lead_id, uniqueid, callerid, channel, phone_code, phone_number, call_time, call_type, queue_priority, queue_position) VALUES
 ('10.0.0.5', 'SALES',   'XFER',    1001, '1700000100.11', 'V1123000100000001001', 'SIP/carrier-00000011', '1', '3125550101', NOW() - INTERVAL 125 SECOND, 'OUT', 0, 1),
 ('10.0.0.5', 'SUPPORT', 'CLOSER',  1005, '1700000500.15', 'Y1123000500000001005', 'SIP/carrier-00000015', '1', '3125550105', NOW() - INTERVAL 260 SECOND, 'IN',  0, 1),
 ('10.0.0.5', 'SUPPORT', 'LIVE',    1006, '1700000600.16', 'Y1123000600000001006', 'SIP/carrier-00000016', '1', '3125550106', NOW() - INTERVAL 40 SECOND,  'IN',  0, 1),
 ('10.0.0.5', 'SUPPORT', 'LIVE',    1007, '1700000700.17', 'Y1123000700000001007', 'SIP/carrier-00000017', '1', '3125550107', NOW() - INTERVAL 15 SECOND,  'IN',  0, 2),
 ('10.0.0.5', 'SALES',   'LIVE',    1008, '1700000800.18', 'V1123000800000001008', 'SIP/carrier-00000018', '1', '3125550108', NOW() - INTERVAL 8 SECOND,   'OUT', 0, 1),
 ('10.0.0.5', 'SUPPORT', 'IVR',     1009, '1700000900.19', 'Y1123000900000001009', 'SIP/carrier-00000019', '1', '3125550109', NOW() - INTERVAL 12 SECOND,  'IN',  0, 1),
 ('10.0.0.5', 'SALES',   'SENT',    1010, '',              'V1123001000000001010', '',                     '1', '3125550110', NOW() - INTERVAL 3 SECOND,   'OUT', 0, 1),
 ('10.0.0.5', 'SALES',   'SENT',    1011, '',              'V1123001100000001011', '',                     '1', '3125550111', NOW() - INTERVAL 2 SECOND,   'OUT', 0, 1),
 ('10.0.0.5', 'SALES',   'RINGING', 1012, '1700001200.22', 'V1123001200000001012', 'SIP/carrier-00000022', '1', '3125550112', NOW() - INTERVAL 6 SECOND,   'OUT', 0, 1);

-- Today's figures as AST_VDadapt.pl keeps them, for the campaigns, the
-- in-groups and the inactive campaign.
INSERT INTO vicidial_campaign_stats (campaign_id, dialable_leads, calls_today, answers_today, drops_today, drops_today_pct, drops_answers_today_pct) VALUES
 ('SALES',   1234, 500, 200, 6.000, '1.2',  '3'),
 ('SURVEY',  0,    100, 0,   0.000, '0',    '0'),
 ('SUPPORT', 0,    80,  75,  5.000, '6.25', '6.67'),
 ('OLDCAMP', 77,   0,   0,   0.000, '0',    '0');

-- Finished inbound calls (vicidial_closer_log) and outbound calls
-- (vicidial_log), and the recordings ViciDial logged for some of them:
-- recording_log.vicidial_id holds closecallid for inbound calls and
-- vicidial_log.uniqueid for outbound ones (agi-VDAD_ALL_inbound.agi,
-- agi-VDAD_ALL_outbound.agi, agc/vdc_db_query.php).
INSERT INTO vicidial_closer_log (closecallid, lead_id, campaign_id, call_date, start_epoch, end_epoch, length_in_sec, status, phone_number, user, queue_seconds, term_reason, uniqueid) VALUES
 (1, 2001, 'SUPPORT', NOW() - INTERVAL 10 MINUTE,  UNIX_TIMESTAMP() - 600,  UNIX_TIMESTAMP() - 480,  120, 'SALE', '3125550201', 'agent002', 3, 'CALLER', '1700002001.1'),
 (2, 2002, 'SUPPORT', NOW() - INTERVAL 20 MINUTE,  UNIX_TIMESTAMP() - 1200, UNIX_TIMESTAMP() - 1140, 60,  'NI',   '3125550202', 'agent009', 5, 'AGENT',  '1700002002.2'),
 (3, 2003, 'SUPPORT', NOW() - INTERVAL 5 MINUTE,   UNIX_TIMESTAMP() - 300,  UNIX_TIMESTAMP() - 295,  5,   'DROP', '3125550203', 'VDCL',     5, 'CALLER', '1700002003.3'),
 (4, 2004, 'BILLING', NOW() - INTERVAL 10 MINUTE,  UNIX_TIMESTAMP() - 600,  UNIX_TIMESTAMP() - 500,  100, 'SALE', '3125550204', 'agent010', 2, 'CALLER', '1700002004.4'),
 (5, 2005, 'SUPPORT', NOW() - INTERVAL 2 HOUR,     UNIX_TIMESTAMP() - 7200, UNIX_TIMESTAMP() - 7100, 100, 'SALE', '3125550205', 'agent002', 2, 'CALLER', '1700002005.5'),
 (6, 2006, 'SUPPORT', NOW() - INTERVAL 30 MINUTE,  UNIX_TIMESTAMP() - 1800, UNIX_TIMESTAMP() - 1600, 200, 'SALE', '3125550206', 'agent003', 9, 'AGENT',  '1700002006.6'),
 (7, 2007, 'SUPPORT', NOW() - INTERVAL 25 MINUTE,  UNIX_TIMESTAMP() - 1500, UNIX_TIMESTAMP() - 1440, 60,  'DROP', '3125550207', 'VDCL',     60, 'CALLER', '1700002007.7');

INSERT INTO vicidial_log (uniqueid, lead_id, list_id, campaign_id, call_date, start_epoch, end_epoch, length_in_sec, status, phone_code, phone_number, user, term_reason) VALUES
 ('1700000001.1', 3001, 101, 'SALES',  NOW() - INTERVAL 10 MINUTE, UNIX_TIMESTAMP() - 600,   UNIX_TIMESTAMP() - 510,   90,  'SALE', '1', '3125550301', 'agent003', 'CALLER'),
 ('1700000002.2', 3002, 101, 'SALES',  NOW() - INTERVAL 15 MINUTE, UNIX_TIMESTAMP() - 900,   UNIX_TIMESTAMP() - 855,   45,  'NI',   '1', '3125550302', 'agent001', 'AGENT'),
 ('1700000003.3', 3003, 101, 'SALES',  NOW() - INTERVAL 15 MINUTE, UNIX_TIMESTAMP() - 900,   UNIX_TIMESTAMP() - 870,   30,  'AA',   '1', '3125550303', 'VDAD',     'NONE'),
 ('1700000004.4', 3004, 102, 'SURVEY', NOW() - INTERVAL 12 MINUTE, UNIX_TIMESTAMP() - 720,   UNIX_TIMESTAMP() - 660,   60,  'SALE', '1', '3125550304', 'agent005', 'CALLER'),
 ('1700000005.5', 3005, 101, 'SALES',  NOW() - INTERVAL 3 HOUR,    UNIX_TIMESTAMP() - 10800, UNIX_TIMESTAMP() - 10700, 100, 'SALE', '1', '3125550305', 'agent002', 'CALLER'),
 ('1700000006.6', 3006, 101, 'SALES',  NOW() - INTERVAL 40 MINUTE, UNIX_TIMESTAMP() - 2400,  UNIX_TIMESTAMP() - 2100,  300, 'CALLBK', '1', '3125550306', 'agent002', 'AGENT');

INSERT INTO recording_log (channel, server_ip, extension, start_time, start_epoch, end_time, end_epoch, length_in_sec, length_in_min, filename, location, lead_id, user, vicidial_id) VALUES
 ('Local/58600052@default', '10.0.0.5', '8309', NOW() - INTERVAL 598 SECOND,  UNIX_TIMESTAMP() - 598,  NOW() - INTERVAL 480 SECOND,  UNIX_TIMESTAMP() - 480,  118, 1.97, '20261123-101002_3125550201_agent002', '', 2001, 'agent002', '1'),
 ('Local/58600053@default', '10.0.0.5', '8309', NOW() - INTERVAL 1798 SECOND, UNIX_TIMESTAMP() - 1798, NOW() - INTERVAL 1600 SECOND, UNIX_TIMESTAMP() - 1600, 198, 3.30, '20261123-094002_3125550206_agent003', '', 2006, 'agent003', '6'),
 ('Local/58600053@default', '10.0.0.5', '8309', NOW() - INTERVAL 598 SECOND,  UNIX_TIMESTAMP() - 598,  NOW() - INTERVAL 510 SECOND,  UNIX_TIMESTAMP() - 510,  88,  1.47, '20261123-101002_3125550301_agent003', '', 3001, 'agent003', '1700000001.1');
