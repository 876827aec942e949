#include "common/base/time_breakdown.h"

#include <stdexcept>

namespace decodesim {

const char* time_part_name(TimePart p) {
  switch (p) {
    case TimePart::HbmStream: return "hbm_stream";
    case TimePart::MxuBusy: return "mxu_busy";
    case TimePart::MxuWeightLoad: return "mxu_weight_load";
    case TimePart::MxuStream: return "mxu_stream";
    case TimePart::DmaWait: return "dma_wait";
    case TimePart::Vector: return "vector";
    case TimePart::Refresh: return "refresh";
    case TimePart::LowMlp: return "low_mlp";
    case TimePart::Tail: return "tail";
    case TimePart::Compute: return "compute";
    case TimePart::Launch: return "launch";
    case TimePart::Link: return "link";
    case TimePart::SramStream: return "sram_stream";
    case TimePart::WeightStream: return "weight_stream";
    case TimePart::MxmBusy: return "mxm_busy";
    case TimePart::MxmWeightInstall: return "mxm_weight_install";
    case TimePart::MxmStream: return "mxm_stream";
    case TimePart::Vxm: return "vxm";
    case TimePart::Sxm: return "sxm";
    case TimePart::Mem: return "mem";
    case TimePart::StreamTransit: return "stream_transit";
    case TimePart::Mxm: return "mxm";
    case TimePart::C2c: return "c2c";
    case TimePart::PipelineFill: return "pipeline_fill";
    case TimePart::Fabric: return "fabric";
  }
  return "?";
}

Picos TimeBreakdown::operator[](TimePart p) const {
  for (const auto& [part, v] : m_parts)
    if (part == p) return v;
  return 0;
}

void TimeBreakdown::accumulate(const TimeBreakdown& o) {
  if (o.m_parts.empty()) return;
  if (m_parts.empty()) {
    *this = o;
    return;
  }
  if (o.m_relation != m_relation)
    throw std::logic_error("time breakdown: cannot add a partition and overlapping busy times");
  for (const auto& [part, v] : o.m_parts) {
    bool found = false;
    for (auto& [mine, w] : m_parts)
      if (mine == part) {
        w += v;
        found = true;
      }
    if (!found) m_parts.emplace_back(part, v);
  }
}

Picos TimeBreakdown::sum() const {
  if (!partitions())
    throw std::logic_error("time breakdown: the parts overlap (busy times of concurrent mechanisms); their sum is "
                           "not a time");
  Picos total = 0;
  for (const auto& item : m_parts) total += item.second;
  return total;
}

}  // namespace decodesim
