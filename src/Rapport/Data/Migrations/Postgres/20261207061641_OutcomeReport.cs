using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rapport.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OutcomeReport : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_ReportingEvents_WorkspaceId_Name_EndedAt",
                table: "ReportingEvents",
                columns: new[] { "WorkspaceId", "Name", "EndedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_OutboxItems_WorkspaceId_SentAt",
                table: "OutboxItems",
                columns: new[] { "WorkspaceId", "SentAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_WorkspaceId_Direction_CreatedAt_ChannelId_Delivery~",
                table: "Messages",
                columns: new[] { "WorkspaceId", "Direction", "CreatedAt", "ChannelId", "DeliveryStatus", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_MessageAnalyses_MessageId_Sentiment_Intent_Urgency",
                table: "MessageAnalyses",
                columns: new[] { "MessageId", "Sentiment", "Intent", "Urgency" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ReportingEvents_WorkspaceId_Name_EndedAt",
                table: "ReportingEvents");

            migrationBuilder.DropIndex(
                name: "IX_OutboxItems_WorkspaceId_SentAt",
                table: "OutboxItems");

            migrationBuilder.DropIndex(
                name: "IX_Messages_WorkspaceId_Direction_CreatedAt_ChannelId_Delivery~",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_MessageAnalyses_MessageId_Sentiment_Intent_Urgency",
                table: "MessageAnalyses");
        }
    }
}
