// The typed "where the time went": a partition adds up, overlapping busy times refuse to, and
// the two cannot be mixed when records are summed.
#include <gtest/gtest.h>

#include <stdexcept>

#include "common/base/time_breakdown.h"

using namespace decodesim;

TEST(TimeBreakdown, APartitionSumsToItsSpan) {
  const TimeBreakdown b{PartsRelation::Partition,
                        {{TimePart::HbmStream, 700}, {TimePart::LowMlp, 200}, {TimePart::Launch, 100}}};
  EXPECT_TRUE(b.partitions());
  EXPECT_EQ(b.sum(), Picos{1000});
  EXPECT_EQ(b[TimePart::LowMlp], Picos{200});
  EXPECT_EQ(b[TimePart::Refresh], Picos{0}) << "a part the breakdown lacks is no time";
}

TEST(TimeBreakdown, OverlappingBusyTimesCannotBeAdded) {
  // The TPU's MXU and HBM are busy at the same time: 900 + 800 ps of busy time in a 1000 ps span.
  const TimeBreakdown b{PartsRelation::Overlapping, {{TimePart::HbmStream, 900}, {TimePart::MxuBusy, 800}}};
  EXPECT_FALSE(b.partitions());
  EXPECT_THROW(b.sum(), std::logic_error);
}

TEST(TimeBreakdown, AccumulatesPartByPartAndRefusesMixedRelations) {
  TimeBreakdown total;
  total.accumulate({PartsRelation::Partition, {{TimePart::HbmStream, 10}, {TimePart::Tail, 5}}});
  total.accumulate({PartsRelation::Partition, {{TimePart::Tail, 1}, {TimePart::Launch, 2}}});
  EXPECT_TRUE(total.partitions());
  EXPECT_EQ(total[TimePart::HbmStream], Picos{10});
  EXPECT_EQ(total[TimePart::Tail], Picos{6});
  EXPECT_EQ(total[TimePart::Launch], Picos{2});
  EXPECT_EQ(total.sum(), Picos{18});
  EXPECT_EQ(total.begin()->first, TimePart::HbmStream) << "parts keep the order they were first given";
  EXPECT_THROW(total.accumulate({PartsRelation::Overlapping, {{TimePart::MxuBusy, 1}}}), std::logic_error);
}

TEST(TimeBreakdown, EveryPartHasAStableReportName) {
  EXPECT_STREQ(time_part_name(TimePart::DmaWait), "dma_wait");
  EXPECT_STREQ(time_part_name(TimePart::MxuWeightLoad), "mxu_weight_load");
  EXPECT_STREQ(time_part_name(TimePart::MxmWeightInstall), "mxm_weight_install");
  EXPECT_STREQ(time_part_name(TimePart::PipelineFill), "pipeline_fill");
}
