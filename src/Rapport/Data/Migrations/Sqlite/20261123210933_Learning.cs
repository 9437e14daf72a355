using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rapport.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Learning : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Corrections_WorkspaceId",
                table: "Corrections");

            migrationBuilder.CreateTable(
                name: "TrainedModels",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Data = table.Column<byte[]>(type: "BLOB", nullable: false),
                    CrossValidation = table.Column<string>(type: "TEXT", nullable: false),
                    Examples = table.Column<int>(type: "INTEGER", nullable: false),
                    Corrections = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TrainedModels", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Corrections_WorkspaceId_CreatedAt",
                table: "Corrections",
                columns: new[] { "WorkspaceId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_TrainedModels_WorkspaceId_Number",
                table: "TrainedModels",
                columns: new[] { "WorkspaceId", "Number" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TrainedModels");

            migrationBuilder.DropIndex(
                name: "IX_Corrections_WorkspaceId_CreatedAt",
                table: "Corrections");

            migrationBuilder.CreateIndex(
                name: "IX_Corrections_WorkspaceId",
                table: "Corrections",
                column: "WorkspaceId");
        }
    }
}
