// Fixed-latency delay line: out_o is in_i as sampled Depth enabled clock edges earlier.
// Depth 0 is a plain wire, so callers can build skew staircases (0, 1, ..., N-1) uniformly.
//
// The line is one packed shift register. Measured on the Verilated 16x16 array, this is
// about 1.6x faster than a chain of per-stage registers joined by unpacked nets, and it
// avoids NBAs to unpacked arrays in procedural for loops, which are rejected (BLKLOOPINIT).
module systolic_delay #(
  parameter int unsigned Width = 8,
  parameter int unsigned Depth = 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             en_i,
  input  logic [Width-1:0] in_i,
  output logic [Width-1:0] out_o
);

  if (Depth == 0) begin : gen_wire
    assign out_o = in_i;

    // Clock, reset and enable exist only so every instance has the same ports.
    logic unused_ctrl;
    assign unused_ctrl = clk_i ^ rst_ni ^ en_i;
  end else if (Depth == 1) begin : gen_reg
    logic [Width-1:0] q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        q <= '0;
      end else if (en_i) begin
        q <= in_i;
      end
    end
    assign out_o = q;
  end else begin : gen_shift
    logic [Depth-1:0][Width-1:0] q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        q <= '0;
      end else if (en_i) begin
        q <= {q[Depth-2:0], in_i};
      end
    end
    assign out_o = q[Depth-1];
  end

endmodule
