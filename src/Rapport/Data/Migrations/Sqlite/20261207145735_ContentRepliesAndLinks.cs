using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rapport.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ContentRepliesAndLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "TrackedLinkId",
                table: "DraftVariants",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Campaign",
                table: "Drafts",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_OutboxItems_ChannelId_ExternalId",
                table: "OutboxItems",
                columns: new[] { "ChannelId", "ExternalId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OutboxItems_ChannelId_ExternalId",
                table: "OutboxItems");

            migrationBuilder.DropColumn(
                name: "TrackedLinkId",
                table: "DraftVariants");

            migrationBuilder.DropColumn(
                name: "Campaign",
                table: "Drafts");
        }
    }
}
