# Turns html/report.js and html/report.css into a header of raw string literals, so the
# binary carries its page renderer and a report never needs a file next to it.
file(READ "${JS}" js)
file(READ "${CSS}" css)
file(WRITE "${OUT}" "// Generated from src/report/html by embed.cmake; do not edit.\n#pragma once\nnamespace decodesim::report::assets {\ninline constexpr const char* kReportJs = R\"DSJS(${js})DSJS\";\ninline constexpr const char* kReportCss = R\"DSCSS(${css})DSCSS\";\n}\n")
