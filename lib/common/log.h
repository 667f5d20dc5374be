// One line of a daemon's log on stderr. Under systemd (stderr connected to
// the journal, $JOURNAL_STREAM set) each line starts with its syslog
// priority, "<3>" for lines that begin "ERROR", "<4>" for "WARNING", "<5>"
// for "notice", "<6>" otherwise, so `journalctl -p warning` finds them.
#pragma once

#include <string>
#include <string_view>

namespace baton::common {

// The syslog priority (0..7) of a log line by its first word.
int LogPriority(std::string_view text);

// The local time to the millisecond, "YYYY-MM-DD HH:MM:SS.mmm", as every
// log line of the daemons starts (crm report picks lines by it).
std::string LogTime();

// "<N>" when stderr goes to the journal, else "".
std::string JournalPrefix(std::string_view text);

// The one log style of the daemons: "[<N>]YYYY-MM-DD HH:MM:SS.mmm DAEMON: TEXT",
// ending in one line feed, for `daemon` ("baton-crmd", "baton-fenced").
std::string FormatLogLine(std::string_view daemon, std::string_view text);

// Writes FormatLogLine(daemon, text) to stderr in one write, so lines from
// several threads never interleave.
void WriteLogLine(std::string_view daemon, std::string_view text);

}  // namespace baton::common
